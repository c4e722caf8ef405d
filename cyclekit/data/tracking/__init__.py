"""Single-object tracking sequences: OTB and VOT folders, pysot-style JSON."""

from cyclekit.data.tracking.box_text import read_box_lines, write_boxes
from cyclekit.data.tracking.discover import discover_sequences, load_sequence
from cyclekit.data.tracking.otb import load_otb
from cyclekit.data.tracking.pysot_json import load_pysot_json
from cyclekit.data.tracking.sequence import Sequence
from cyclekit.data.tracking.vot import load_vot, polygons_to_boxes

__all__ = ["Sequence", "discover_sequences", "load_otb", "load_pysot_json", "load_sequence",
           "load_vot", "polygons_to_boxes", "read_box_lines", "write_boxes"]
