"""Find every tracking sequence under a folder (or in a pysot dataset JSON)."""

from __future__ import annotations

from pathlib import Path

from cyclekit.errors import DataError
from cyclekit.tracking.sequences.otb import load_otb
from cyclekit.tracking.sequences.pysot_json import load_pysot_json
from cyclekit.tracking.sequences.sequence import Sequence
from cyclekit.tracking.sequences.vot import load_vot


def load_sequence(folder: str | Path, vot_conversion: str = "pysot") -> Sequence:
    """One OTB (``groundtruth_rect.txt``) or VOT (``groundtruth.txt``) sequence folder."""
    folder = Path(folder)
    if (folder / "groundtruth_rect.txt").is_file():
        return load_otb(folder)
    if (folder / "groundtruth.txt").is_file():
        return load_vot(folder, vot_conversion)
    raise DataError(f"{folder} is not a sequence folder: it has neither groundtruth_rect.txt "
                    f"(OTB) nor groundtruth.txt (VOT)")


def discover_sequences(path: str | Path, vot_conversion: str = "pysot") -> list[Sequence]:
    """Sequences in ``path``: a pysot JSON file, one sequence folder, or a tree of them.

    Sequence folders are found at any depth and returned sorted by name; names must be unique.
    """
    path = Path(path)
    if path.is_file() and path.suffix == ".json":
        return load_pysot_json(path, vot_conversion=vot_conversion)
    if not path.is_dir():
        raise DataError(f"no such sequence folder or dataset JSON: {path}")
    markers = sorted({*path.rglob("groundtruth_rect.txt"), *path.rglob("groundtruth.txt")})
    if not markers:
        raise DataError(f"no tracking sequences under {path} (no groundtruth_rect.txt or "
                        f"groundtruth.txt found)")
    sequences = [load_sequence(m.parent, vot_conversion) for m in markers]
    names = [s.name for s in sequences]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DataError(f"sequence names {duplicates} occur more than once under {path}")
    return sorted(sequences, key=lambda s: s.name)
