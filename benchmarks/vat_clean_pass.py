"""What reusing the student's clean prediction in DIRT-T's virtual adversarial term saves, and
that it changes no weight.

    python -m benchmarks vat_clean_pass TEACHER [TEACHER ...] [--set KEY=VALUE ...]
        [--threads 1 2] [--rounds 20] [--steps 4] [--warmup 3] [--check-steps 20] --out DIR

DIRT-T (``cyclekit/adaptation/dirt_t.py``) predicts the target batch with the student for its
teacher KL and entropy, and its VAT term needs the same prediction as the fixed target of its
KL; ``virtual_adversarial_loss(..., clean_logits=logits)`` takes it instead of predicting the
batch once more (the same weights and batch, batch norm normalising by the batch either way).
For every TEACHER run directory (a finished cdlm, dann or source_only run) and thread count,
this script builds the refinement ``cyclekit refine TEACHER`` would build (with ``--set``)
twice, as ``benchmarks/uda_step_cost.py`` does, and

* checks that ``--check-steps`` refinement steps from one seed leave both copies' weights
  bit-identical, one copy reusing the prediction and one predicting the batch again (the
  earlier behaviour);
* then times them in turn, ``--steps`` steps each per round (A B A B ...), and reports the
  median seconds per step over ``--rounds`` rounds after ``--warmup``
  (``benchmarks/paired_steps.py``).

Writes ``vat_clean_pass.{json,md}`` into ``--out``. Needs the teachers' data
(``CYCLEKIT_DATA``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from operator import itemgetter
from pathlib import Path

import torch

import cyclekit.adaptation.dirt_t as dirt_t
from benchmarks.paired_steps import check_and_time, comparison_markdown, run_comparison
from benchmarks.preset_runs import describe_device
from benchmarks.uda_step_cost import Stepper
from cyclekit.adaptation.refine import refinement_config
from cyclekit.config import save_config

REUSED, RECOMPUTED = "clean prediction reused", "clean prediction recomputed"


@contextmanager
def clean_pass_recomputed() -> Iterator[None]:
    """DIRT-T's VAT term ignores the student's prediction and predicts the batch again."""
    reusing = dirt_t.virtual_adversarial_loss

    def recomputing(*args, clean_logits=None, **kwargs):
        return reusing(*args, **kwargs)

    dirt_t.virtual_adversarial_loss = recomputing
    try:
        yield
    finally:
        dirt_t.virtual_adversarial_loss = reusing


def measure(teacher: Path, overrides: list[str], threads: int, args) -> dict:
    torch.set_num_threads(threads)
    common = [*overrides, f"train.num_threads={threads}"]
    with tempfile.TemporaryDirectory() as folder:
        preset = Path(folder) / "refinement.yaml"
        save_config(refinement_config(teacher, common), preset)
        reused, recomputed = Stepper(preset, []), Stepper(preset, [])
    row = check_and_time({REUSED: (reused, nullcontext),
                          RECOMPUTED: (recomputed, clean_pass_recomputed)}, args)
    return {"teacher": str(teacher), "teacher_method": reused.run.method.student.name,
            "threads": threads, "precision": reused.config.train.precision,
            "device": describe_device(common, 1), **row,
            "ratio": row["median_s"][REUSED] / row["median_s"][RECOMPUTED]}


def to_markdown(result: dict) -> str:
    leading = {"teacher": lambda row: f"`{row['teacher']}`",
               "method": itemgetter("teacher_method"), "precision": itemgetter("precision"),
               "device": itemgetter("device")}
    return comparison_markdown(
        result, "DIRT-T's VAT with the student's clean prediction reused", "refinement",
        leading, (RECOMPUTED, "recomputed"), (REUSED, "reused"))


def main() -> None:
    run_comparison("vat_clean_pass", __doc__, "teachers", measure, to_markdown)


if __name__ == "__main__":
    main()
