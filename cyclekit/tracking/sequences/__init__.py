"""Single-object tracking sequences: OTB and VOT folders, pysot-style JSON."""
