"""Unsupervised tracking: CycleTrack and CycleTrack-EM (Zou & Hao), the one-pass tracking
protocol (trackers, runner, OTB / VOT / pysot evaluation) and the video data."""
