"""The one-pass tracking protocol: the Tracker interface, the runner, baselines, evaluation."""

from cyclekit.track.ncc import NCCTracker
from cyclekit.track.runner import SequenceRun, run_sequence, run_tracker
from cyclekit.track.tracker import Tracker
from cyclekit.track.trackers import register_run_tracker, tracker_factory

__all__ = ["NCCTracker", "SequenceRun", "Tracker", "register_run_tracker", "run_sequence",
           "run_tracker", "tracker_factory"]
