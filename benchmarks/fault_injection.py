"""Kill -9 at random moments: does every run of every method family resume to bit-identical results?

    python -m benchmarks fault_injection [--kills 20] [--minutes M] [--parallel 2] [--out DIR]

For each method family (translation: CycleGN, adaptation: CDLM, latent: VAE, affinity: ACC,
tracking: CycleTrack), on the tests' tiny settings (``tests/conftest.py``) stretched to 24
steps (a checkpoint every 6, a log every 2, validation every 12; CPU, one thread, seed 0):
one uninterrupted ``cyclekit train`` is the reference (it also times when its phases end);
then runs are started and killed with SIGKILL at a random moment: a phase drawn at random
(before the first checkpoint, mid-training, the final evaluation), then a moment uniform
within that phase of the reference, counted from the run's first new line in
``metrics.jsonl``. Killed runs are resumed with
``--resume``, killed again with probability 1/2 (the same way), until ``--kills`` kills are
delivered for the family; each run is then resumed to the end. A kill counts as delivered
when the process was still running when it was sent (exit by SIGKILL). After each kill every
checkpoint of the folder is read back (a corrupt one: unreadable, or non-finite weights); a
dead end is a ``--resume`` that fails. A resumed run is bit-identical when its final
``metrics.json`` (less wall times and frames per second), the bytes of every file of its last
checkpoint (``measured.json``, the clock, aside) and its logged records equal the reference's.
Where a kill landed is read off the folder: before the first checkpoint, mid-training, or in
the final evaluation (the last checkpoint there, no ``metrics.json`` yet).
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from benchmarks.arguments import RESULTS, ROOT, RUNS, add_parallel, study_parser
from benchmarks.results_table import cpu_cores, report, stamp, table, write_result

FAMILIES = {"translation": "cyclegn", "adaptation": "cdlm", "latent": "vae", "affinity": "acc",
            "tracking": "cycletrack"}
STRETCH = {"steps": 24, "checkpoint_every": 6, "log_every": 2, "eval_every": 12,
           "sample_every": 12, "num_threads": 1}
CLI = "import sys; from cyclekit.cli import main; sys.exit(main())"
UNTIMED = ("wall_time", "fps")


def settings(method: str) -> dict:
    from tests.conftest import TINY_BY_METHOD

    tiny = copy.deepcopy(TINY_BY_METHOD[method])
    tiny["train"].update(STRETCH)
    return {"method": method, **tiny}


def cyclekit(config: Path, out: Path, resume: bool, environment: dict) -> subprocess.Popen:
    command = [sys.executable, "-c", CLI, "train", str(config), "--out", str(out),
               "--no-progress", *(["--resume"] if resume else [])]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=environment, cwd=ROOT)


def log_size(run_dir: Path) -> int:
    path = run_dir / "metrics.jsonl"
    return path.stat().st_size if path.is_file() else 0


def results(run_dir: Path) -> dict:
    """What a bit-identical run must share with the reference."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    checkpoints = run_dir / "checkpoints"
    latest = checkpoints / (checkpoints / "LATEST").read_text().strip()
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return {"metrics": {k: v for k, v in metrics.items() if not any(w in k for w in UNTIMED)},
            "checkpoint": latest.name,
            "files": {f.name: f.read_bytes().hex() for f in sorted(latest.iterdir())
                      if f.name != "measured.json"},
            "logged": [r for r in records if "event" not in r]}


def corrupt_checkpoints(run_dir: Path) -> list[str]:
    """Checkpoints of ``run_dir`` that do not read back, or hold non-finite weights."""
    import torch
    from safetensors.torch import load_file

    bad = []
    for folder in sorted((run_dir / "checkpoints").glob("step_*")) + sorted(
            (run_dir / "checkpoints").glob("best")):
        try:
            torch.load(folder / "state.pt", map_location="cpu", weights_only=True)
            for weights in folder.glob("*.safetensors"):
                if not all(torch.isfinite(t).all() for t in load_file(str(weights)).values()):
                    raise ValueError("non-finite weights")
        except Exception as error:  # noqa: BLE001  (anything unreadable is corrupt)
            bad.append(f"{folder.name}: {type(error).__name__}")
    latest = run_dir / "checkpoints" / "LATEST"
    if latest.is_file() and not (latest.parent / latest.read_text().strip()).is_dir():
        bad.append("LATEST names no checkpoint")
    return bad


BEFORE, TRAINING, EVALUATION, DONE = ("before the first checkpoint", "mid-training",
                                      "final evaluation", "after the end")
PHASES = (BEFORE, TRAINING, EVALUATION)
STEPS = STRETCH["steps"]


def landing(run_dir: Path, steps: int) -> str:
    """Where a run is, read off its folder (``steps``: its last step)."""
    latest = run_dir / "checkpoints" / "LATEST"
    try:
        name = latest.read_text().strip()
    except OSError:
        return BEFORE
    if name == f"step_{steps:07d}":
        return EVALUATION if not (run_dir / "metrics.json").is_file() else DONE
    return TRAINING


def kill_delay(phase: str, milestones: dict[str, float], rng: random.Random) -> float:
    """A moment in ``phase`` of the reference run, in seconds after its first log line."""
    first = milestones.get("first_checkpoint", 0.0)
    final = milestones.get("final_checkpoint", first)
    end = milestones.get("metrics", milestones["exit"])
    low, high = {BEFORE: (0.0, first), TRAINING: (first, final), EVALUATION: (final, end)}[phase]
    return rng.uniform(low, max(low, high))


def run_and_maybe_kill(config: Path, run_dir: Path, resume: bool, delay: float | None,
                       environment: dict) -> dict:
    """Start (or resume) ``run_dir``; with ``delay``, SIGKILL it that long after its first
    line in metrics.jsonl. The outcome: killed (delivered), finished, or failed."""
    before = log_size(run_dir)
    process = cyclekit(config, run_dir, resume, environment)
    while process.poll() is None and log_size(run_dir) <= before:
        time.sleep(0.002)
    first_log = time.perf_counter()
    milestones: dict[str, float] = {}
    if delay is not None:
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
    else:  # when each phase ended, after the first log line (the kills' time ranges)
        while process.poll() is None:
            for name, reached in (("first_checkpoint", lambda: landing(run_dir, 0) != BEFORE),
                                  ("final_checkpoint", lambda: landing(run_dir, STEPS) in (
                                      EVALUATION, DONE)),
                                  ("metrics", lambda: (run_dir / "metrics.json").is_file())):
                if name not in milestones and reached():
                    milestones[name] = time.perf_counter() - first_log
            time.sleep(0.002)
    _, stderr = process.communicate()
    milestones["exit"] = time.perf_counter() - first_log
    if process.returncode == -signal.SIGKILL:
        return {"outcome": "killed"}
    if process.returncode == 0:
        return {"outcome": "finished", "milestones": milestones}
    return {"outcome": "failed", "error": (stderr.strip().splitlines() or ["?"])[-1][:300]}


def study_family(family: str, kills: int, runs_dir: Path, cache: Path, deadline: float,
                 ) -> dict:
    """Kill runs of ``family`` until ``kills`` are delivered (or, after ``deadline``, a
    ``time.perf_counter()`` value, no new kill is tried); every run is resumed to the end."""
    method = FAMILIES[family]
    where = runs_dir / family
    where.mkdir(parents=True, exist_ok=True)
    config = where / "config.yaml"
    config.write_text(yaml.safe_dump(settings(method), sort_keys=False))
    environment = {**os.environ, "CYCLEKIT_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    reference_dir = where / "reference"
    shutil.rmtree(reference_dir, ignore_errors=True)
    done = run_and_maybe_kill(config, reference_dir, False, None, environment)
    if done["outcome"] != "finished":
        raise SystemExit(f"fault_injection: the reference {family} run failed: {done}")
    milestones = done["milestones"]
    records = [json.loads(line) for line in
               (reference_dir / "metrics.jsonl").read_text().splitlines()]
    reference = results(reference_dir)
    rng = random.Random(f"fault_injection/{family}")
    delivered, trials, started = 0, [], time.perf_counter()
    steps = STEPS
    trial = 0
    while delivered < kills and time.perf_counter() < deadline:
        run_dir = where / f"trial_{trial:02d}"
        shutil.rmtree(run_dir, ignore_errors=True)
        row = {"trial": trial, "aimed": [], "kills": [], "dead_ends": [], "corrupt": []}
        resume = False
        while True:
            want_kill = (delivered < kills and time.perf_counter() < deadline
                         and (not row["kills"] or rng.random() < 0.5))
            phase = rng.choice(PHASES) if want_kill else None
            if phase:
                row["aimed"].append(phase)
            outcome = run_and_maybe_kill(
                config, run_dir, resume, kill_delay(phase, milestones, rng) if phase else None,
                environment)
            if outcome["outcome"] == "killed":
                delivered += 1
                row["kills"].append(landing(run_dir, steps))
                row["corrupt"] += corrupt_checkpoints(run_dir)
                resume = True
                continue
            if outcome["outcome"] == "failed":
                row["dead_ends"].append(outcome["error"])
                break
            if not (run_dir / "metrics.json").is_file():
                row["dead_ends"].append("finished without metrics.json")
            break
        row["bit_identical"] = (not row["dead_ends"] and (run_dir / "metrics.json").is_file()
                                and results(run_dir) == reference)
        trials.append(row)
        print(f"{family} trial {trial}: kills {row['kills']}, "
              f"{'bit-identical' if row['bit_identical'] else 'DIFFERS'}"
              f"{', dead end ' + str(row['dead_ends']) if row['dead_ends'] else ''}", flush=True)
        trial += 1
    return {"family": family, "method": method, "reference_steps": steps,
            "reference_records": len(records), "reference_milestones_s": milestones,
            "kills_delivered": delivered, "trials": trials,
            "resumed_runs": sum(bool(t["kills"]) for t in trials),
            "bit_identical": sum(t["bit_identical"] for t in trials if t["kills"]),
            "unkilled_runs": sum(not t["kills"] for t in trials),
            "corrupt_checkpoints": sum(len(t["corrupt"]) for t in trials),
            "dead_ends": sum(len(t["dead_ends"]) for t in trials),
            "landed": {where_: sum(t["kills"].count(where_) for t in trials)
                       for where_ in (*PHASES, DONE)},
            "wall_s": time.perf_counter() - started}


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--kills", type=int, default=20, help="kills to deliver per family")
    parser.add_argument("--families", nargs="+", default=sorted(FAMILIES),
                        choices=sorted(FAMILIES))
    add_parallel(parser, help="families at a time")
    parser.add_argument("--minutes", type=float, default=None,
                        help="try no new kill after this long (the kills delivered are reported)")
    parser.add_argument("--runs-dir", type=Path, default=RUNS / "fault_injection")
    parser.add_argument("--out", type=Path, default=RESULTS / "fault_injection")
    args = parser.parse_args()
    started = time.perf_counter()
    cache = args.runs_dir / "cache"
    deadline = started + 60 * args.minutes if args.minutes else float("inf")
    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        families = list(pool.map(lambda family: study_family(family, args.kills, args.runs_dir,
                                                             cache, deadline), args.families))
    result = {**stamp("fault_injection"), "device": f"{cpu_cores()}, one thread a run",
              "settings": f"tests/conftest.py TINY_BY_METHOD with train {STRETCH}, seed 0",
              "kills_asked": args.kills, "minutes": args.minutes, "wall_s": time.perf_counter() - started,
              "families": families}
    write_result(args.out, "fault_injection", result, to_markdown(result), echo=True)


def to_markdown(result: dict) -> str:
    rows = [[f["family"], f["method"], f["kills_delivered"],
             " / ".join(str(f["landed"][key]) for key in (*PHASES, DONE)),
             f"{f['bit_identical']} of {f['resumed_runs']}", f["corrupt_checkpoints"],
             f["dead_ends"]] for f in result["families"]]
    total = sum(f["kills_delivered"] for f in result["families"])
    same = sum(f["bit_identical"] for f in result["families"])
    runs = sum(f["resumed_runs"] for f in result["families"])
    return report(
        "Kill -9 at random moments, then --resume", result["date"],
        f"{result['settings']}; {result['device']}. Asked: {result['kills_asked']} kills per "
        f"family" + (f", no new kill after {result['minutes']:g} min." if result["minutes"]
                     else "."),
        table(["family", "method", "kills delivered",
               "landed: before 1st checkpoint / mid-training / final evaluation / exiting",
               "resumed runs bit-identical", "corrupt checkpoints", "dead ends"], rows),
        f"{total} kills delivered; {same} of {runs} killed-and-resumed runs bit-identical to "
        f"the uninterrupted one. Wall time of the whole call: {result['wall_s']:.0f} s.")


if __name__ == "__main__":
    main()
