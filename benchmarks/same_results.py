"""Do two source trees of cyclekit train to the same results, bit for bit? (a check for a change that must not change behaviour)

    python -m benchmarks same_results --before /path/to/old/checkout [--after .] --out DIR

Every registered method is trained with every strategy it allows, on the tests' tiny settings
(``tests/conftest.py``: seconds a run, CPU, one thread, a fixed seed), once with the code of
``--before`` and once with the code of ``--after``, through the command line; three methods
(CycleGN, CDLM, ACC) also with a weight average (``train.ema_decay=0.9``) and resumed to 9
steps. A run is the same when its final ``metrics.json`` (less wall times and frames per
second) and every tensor of its last checkpoint (sha256) are equal. Then the run folders
``--before`` wrote are evaluated again with the ``--after`` code: an old run must still load
and give the same metrics.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from benchmarks.arguments import ROOT, study_parser
from benchmarks.results_table import cpu_cores, report, stamp, table, write_result

CLI = "import sys; from cyclekit.cli import main; sys.exit(main())"
WITH_AVERAGE = {"cyclegn": "em", "cdlm": "alternating", "acc": "self_cyclic"}
UNTIMED = ("wall_time", "fps")  # measured speeds differ between any two runs


def cases(tiny: dict, strategies: dict[str, tuple[str, ...]], teacher: Path) -> list[dict]:
    """The runs: every method x strategy, then the weight-average runs and their resumption."""
    found = []
    for name in sorted(strategies, key=lambda method: method == "dirt_t"):  # teacher first
        for strategy in strategies[name]:
            settings = copy.deepcopy(tiny[name]) if name in tiny else None
            if name == "dirt_t":
                settings = {**copy.deepcopy(tiny["cdlm"]), "model": {"teacher": str(teacher)}}
            found.append({"run": f"{name}_{strategy}", "method": name, "strategy": strategy,
                          "settings": settings})
    for name, strategy in WITH_AVERAGE.items():
        settings = copy.deepcopy(tiny[name])
        settings["train"]["ema_decay"] = 0.9
        found.append({"run": f"{name}_ema", "method": name, "strategy": strategy,
                      "settings": settings, "resume_to": 9})
    return found


def digest(run_dir: Path) -> dict:
    """The run's final metrics (less speeds) and one hash over every tensor it last saved."""
    from safetensors.torch import load_file

    metrics = json.loads((run_dir / "metrics.json").read_text())
    metrics = {k: v for k, v in metrics.items() if not any(word in k for word in UNTIMED)}
    checkpoints = run_dir / "checkpoints"
    latest = checkpoints / (checkpoints / "LATEST").read_text().strip()
    tensors = {f"{f.name}:{key}": hashlib.sha256(value.contiguous().numpy().tobytes()).hexdigest()
               for f in sorted(latest.glob("*.safetensors"))
               for key, value in sorted(load_file(f).items())}
    weights = hashlib.sha256(json.dumps(tensors, sort_keys=True).encode()).hexdigest()
    return {"metrics": metrics, "weights_sha256": weights}


def cyclekit(tree: Path, *arguments: str) -> subprocess.CompletedProcess:
    """``cyclekit ARGUMENTS`` with the package of source tree ``tree``."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([sys.executable, "-c", CLI, *arguments], capture_output=True,
                          text=True, env=environment)


def train(tree: Path, case: dict, out: Path) -> dict:
    """Train one case with ``tree``'s code into ``out/RUN``; its digest (and the resumed one)."""
    config = out / f"{case['run']}.yaml"
    config.write_text(yaml.safe_dump({"method": case["method"], **case["settings"],
                                      "strategy": {"name": case["strategy"]}}))
    run_dir = out / case["run"]
    done = cyclekit(tree, "train", str(config), "--out", str(run_dir), "--no-progress")
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}
    result = {"trained": digest(run_dir)}
    if "resume_to" in case:
        done = cyclekit(tree, "train", str(config), "--out", str(run_dir), "--no-progress",
                        "--resume", "--set", f"train.steps={case['resume_to']}")
        result["resumed"] = digest(run_dir) if done.returncode == 0 else {
            "error": done.stderr.strip().splitlines()[-1]}
    return result


def reevaluated(tree: Path, run_dir: Path) -> dict:
    """``cyclekit eval`` of an existing run folder (a copy) with ``tree``'s code."""
    copied = run_dir.with_name(run_dir.name + "_reevaluated")
    subprocess.run(["cp", "-r", str(run_dir), str(copied)], check=True)
    done = cyclekit(tree, "eval", str(copied))
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return digest(copied)["metrics"]


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--before", type=Path, required=True, help="source tree of the old code")
    parser.add_argument("--after", type=Path, default=ROOT, help="source tree of the new code")
    parser.add_argument("--out", type=Path, required=True, help="run folders and the report")
    args = parser.parse_args()
    sys.path.insert(0, str(args.after))
    from cyclekit.registry import get_method_class, list_methods
    from tests.conftest import TINY_BY_METHOD

    strategies = {name: get_method_class(name).strategies for name in list_methods()}
    started, rows = time.perf_counter(), []
    runs = {side: args.out / side for side in ("before", "after")}
    for side, tree in (("before", args.before), ("after", args.after)):
        runs[side].mkdir(parents=True, exist_ok=True)
        for case in cases(TINY_BY_METHOD, strategies, runs[side] / "cdlm_alternating"):
            rows.append({"side": side, "run": case["run"], **train(tree, case, runs[side])})
            print(side, case["run"], "error" if "error" in rows[-1] else "done", flush=True)
    before = {row["run"]: row for row in rows if row["side"] == "before"}
    after = {row["run"]: row for row in rows if row["side"] == "after"}
    compared = []
    for name, old in before.items():
        new = after[name]
        old_eval = reevaluated(args.after, runs["before"] / name) if "trained" in old else {}
        compared.append({
            "run": name, "trained_same": old.get("trained") == new.get("trained") is not None,
            "resumed_same": (old.get("resumed") == new.get("resumed")) if "resumed" in old
            else None,
            "old_run_reevaluated_same": old_eval == old["trained"]["metrics"]
            if "trained" in old and "resumed" not in old else None,
            "errors": [row["error"] for row in (old, new) if "error" in row]})
    result = {**stamp("same_results"), "before": str(args.before.resolve()),
              "after": str(args.after.resolve()), "device": f"{cpu_cores()}, one thread a run",
              "settings": "tests/conftest.py TINY_BY_METHOD, seed 0, checkpoint rule last",
              "wall_s": time.perf_counter() - started, "runs": rows, "compared": compared}
    write_result(args.out, "same_results", result, to_markdown(result), echo=True)


def to_markdown(result: dict) -> str:
    def mark(value) -> str:
        return "—" if value is None else ("same" if value else "**differs**")

    same = sum(row["trained_same"] for row in result["compared"])
    return report(
        "Same results from two source trees", result["date"],
        f"Before: `{result['before']}`. After: `{result['after']}`. {result['settings']}; "
        f"{result['device']}. Metrics compared less wall times and frames per second; weights "
        f"by sha256 of every tensor of the last checkpoint.",
        table(["run", "trained", "resumed to 9 steps", "old run folder, new code's eval"],
              ([row["run"], mark(row["trained_same"]), mark(row["resumed_same"]),
                mark(row["old_run_reevaluated_same"])] for row in result["compared"])),
        f"{same} of {len(result['compared'])} runs the same. Wall time of the whole call: "
        f"{result['wall_s']:.0f} s.")


if __name__ == "__main__":
    main()
