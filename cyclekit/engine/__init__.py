"""The training engine: the run loop, players and their optimisers, checkpoints, the run
directory, random states, devices and precision (through Lightning Fabric). It knows the
method contract of :mod:`cyclekit.engine.method` and nothing of the cyclic framework."""
