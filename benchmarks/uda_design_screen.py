"""Design screen of CDLM or DANN on a development task (issue 4): do the choices the paper
leaves open (network width, latent size, discriminator, loss weight, learning rates; DANN's
feature layer) explain the gap to the paper? Chosen without reading a Table 2 task's labels.

    python -m benchmarks uda_design_screen [--method cdlm|dann] [--dev-target semeion|semeion_m]
        [--variants shipped ...]
        [--seeds 0 1] [--confirm-tasks mnist_usps ...] [--confirm-seeds 0 1 2] [--parallel 2]
        [--runs-dir runs/benchmarks/uda_design] [--report-only] [--device TEXT]
        [--cpu-cost STEPS] [--set key=value ...]

Development tasks (``--dev-target``), neither a task of the paper: MNIST → Semeion, the
method's shipped MNIST → USPS preset with the target swapped for the UCI Semeion digits (16 px
and frame-filling like USPS), or MNIST → Semeion-M, the same in colour (3 channels; the
Semeion digits framed like MNIST's and blended over BSDS500 crops as MNIST-M's are), for the
choices that matter most where a colour background is the domain gap. A variant is that preset
with one choice changed (``VARIANTS[method]``). Its dev score is the method's target accuracy
(CDLM: x~_ts) on all 1593 Semeion images (the unlabelled training split and the test split; the
screen is transductive, as UDA is). The variant with the
highest mean dev score over the seeds is selected by that rule alone (the shipped preset wins
ties) and, with ``--confirm-tasks``, is trained on those Table 2 tasks' presets of the method
with the same overrides, where target labels are read only by the final test score; the shipped
presets' Table 2 numbers come from ``benchmarks/results/uda.json``. Runs are resumable
(``preset_runs``), and a run recorded in the earlier report is kept from there (neither trained
nor collected again) while its preset and variant are unchanged, so rounds can run on different
machines.
``--cpu-cost STEPS`` times STEPS training steps of every variant on this machine's CPU, one
run at a time, and keeps the seconds per step of each call in the report, with each variant's
ratio to the shipped preset timed in the same call (the issue's budget is 15 minutes per run
on a 2-core CPU). Writes ``benchmarks/results/uda_design_screen.{json,md}`` (CDLM) or
``uda_design_screen_dann.{json,md}``, with ``_colour`` before the suffix for MNIST → Semeion-M.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import torch

from benchmarks import ROOT, preset_runs
from benchmarks.arguments import (
    RESULTS,
    RUNS,
    add_folders,
    add_overrides,
    add_parallel,
    study_parser,
)
from benchmarks.launch import run_all, run_preset
from benchmarks.results_table import utc_now, write_json, write_result

PRESETS = ROOT / "configs" / "uda"
DEV_TASK = "mnist_usps"
DEV_TARGETS = {  # --dev-target -> (overrides of the MNIST -> USPS preset, name, report suffix)
    "semeion": (["data.target=semeion"], "MNIST → Semeion", ""),
    "semeion_m": (["data.target=semeion_m", "data.channels=3"], "MNIST → Semeion-M", "_colour"),
}
SHIPPED = "shipped"
CDLM_VARIANTS = {  # name -> (overrides, why it might matter)
    SHIPPED: ([], "the preset as shipped (Table 2)"),
    "encoder_width_32": (["model.width=32"], ("UNIT's encoders are wider (64+ channels); ours "
                                             "16-32-64")),
    "latent_128": (["model.latent_dim=128"], "a larger h, mu, sigma (the paper gives no size)"),
    "discriminator_1024": (["model.discriminator_hidden=1024"],
                           "a wider domain discriminator (Ganin et al. use 1024 units on SVHN)"),
    "adversarial_0.3": (["model.weight_adversarial=0.3"], "weaker alignment of h"),
    "adversarial_3": (["model.weight_adversarial=3.0"], "stronger alignment of h"),
    "encoder_lr_0.03": (["train.lr=0.03"], "the encoder's SGD rate (the paper gives none)"),
    "decoder_lr_1e-3": (["model.decoder_lr=0.001"], ("the decoder's Adam rate (the paper gives "
                                                     "none)")),
    "spatial_code": (["model.code=spatial"], ("UNIT's convolutional latent: h, mu, sigma as 8 "
                                              "maps of 7 x 7, a local decoder (second round)")),
    "encoder_likelihood_1e-2": (["model.lambda1=0.01", "model.lambda2=0.01"], (
        "the likelihood's scale: lambda1 = lambda2 = 1e-2 instead of 1e-4, so the encoder feels "
        "the VAE terms (third round)")),
    "encoder_width_64": (["model.width=64"], "UNIT's encoder widths 64-128-256 (third round)"),
    "runners_up_combined": (["model.width=32", "model.latent_dim=128",
                             "model.discriminator_hidden=1024"],
                            "the first round's three runners-up together (third round)"),
    "precision_fp32": (["train.precision=32-true"], ("fp32 instead of the bf16 autocast adopted "
                                                     "for CPU speed (third round)")),
    "input_instance_norm": (["model.input_norm=instance"], (
        "each input image standardised per channel (VADA / DIRT-T's input normalisation), so a "
        "background's brightness and contrast do not reach the networks (colour round)")),
    "latent_128_discriminator_1024": (["model.latent_dim=128", "model.discriminator_hidden=1024"], (
        "the two cheapest runners-up together, within the 15-minute budget (the three together "
        "gained most on Fashion → FashionM but cost 1.48×; colour round)")),
    "per_domain_batch_norm": (["model.batch_norm=per_domain"], (
        "the encoder's batch norm keeps statistics per domain (AdaBN in training, as DSBN) "
        "instead of normalising the mixed source + target batch (batch-norm round)")),
    "target_entropy_0.1": (["model.weight_target_entropy=0.1"], (
        "beyond the paper: VADA's conditional entropy of the target predictions, weight 0.1 "
        "(run after its Table 2 analysis; entropy round)")),
    "target_vada_0.1": (["model.weight_target_entropy=0.1", "model.weight_target_vat=0.1"], (
        "beyond the paper: both of VADA's target terms, the conditional entropy and virtual "
        "adversarial training at DIRT-T's radius 3.5, under one weight 0.1 as VADA's lambda_t "
        "(VAT round)")),
    "target_vada_0.1_radius_1": (["model.weight_target_entropy=0.1", "model.weight_target_vat=0.1",
                                  "model.vat_radius=1.0"], (
        "as target_vada_0.1 at radius 1, tried after radius 3.5 had lowered this task and "
        "MNIST → MNIST-M (VAT round; see docs/uda.md for how radius 1 was chosen)")),
}
DANN_VARIANTS = {
    # The screen ran before its pick became the presets' setting: "shipped" is the preset as
    # it was then, and stays that so recorded runs keep matching.
    SHIPPED: (["model.feature_activation=relu"], ("the preset as shipped before this screen "
                                                  "adopted its pick: a ReLU feature layer of 128")),
    "sigmoid_features": (["model.feature_activation=sigmoid"],
                         "bounded features: CDLM's sigmoid on the same layer of 128"),
    "features_64": (["model.feature_activation=relu", "model.feature_dim=64"],
                    "CDLM's feature size, 64, with ReLU"),
    "cdlm_encoder_features": (["model.feature_activation=sigmoid", "model.feature_dim=64"], (
        "CDLM's encoder: h = sigmoid(W_h h' + b_h) of 64 and a linear classifier on it, which "
        "adapted better than DANN's features with CDLM's generative part switched off")),
    "discriminator_1024": (["model.feature_activation=relu", "model.discriminator_hidden=1024"],
                           "Ganin et al.'s domain classifier width (1024 units on SVHN)"),
    # Second round, around the first round's pick (the sigmoid, now the presets' setting).
    "tanh_features": (["model.feature_activation=tanh"], (
        "bounded and zero-centred: is it the bound that helps, or the sigmoid's positive range "
        "(second round)")),
    "sigmoid_discriminator_1024": (["model.feature_activation=sigmoid",
                                    "model.discriminator_hidden=1024"],
                                   ("Ganin et al.'s discriminator width on bounded features "
                                    "(second round)")),
    "sigmoid_dropout_0.5": (["model.feature_activation=sigmoid", "model.dropout=0.5"],
                            ("dropout on the feature layer, as in LeNet-style DANN nets "
                             "(second round)")),
    "sigmoid_adversarial_0.3": (["model.feature_activation=sigmoid",
                                 "model.weight_adversarial=0.3"],
                                "weaker alignment (second round)"),
    "sigmoid_adversarial_3": (["model.feature_activation=sigmoid", "model.weight_adversarial=3.0"],
                              "stronger alignment (second round)"),
    "sigmoid_input_instance_norm": (["model.feature_activation=sigmoid",
                                     "model.input_norm=instance"],
                                    ("each input image standardised per channel (VADA / DIRT-T's "
                                     "input normalisation; colour round)")),
    "sigmoid_per_domain_batch_norm": (["model.feature_activation=sigmoid",
                                       "model.batch_norm=per_domain"],
                                      ("the trunk's batch norm keeps statistics per domain "
                                       "(AdaBN in training, as DSBN; batch-norm round)")),
}
VARIANTS = {"cdlm": CDLM_VARIANTS, "dann": DANN_VARIANTS}
REPORTS = {"cdlm": "uda_design_screen", "dann": "uda_design_screen_dann"}
CONFIRM_TASKS = ("mnist_usps", "usps_mnist", "mnist_mnistm", "mnistm_mnist", "fashion_fashionm",
                 "fashionm_fashion")


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--method", choices=list(VARIANTS), default="cdlm")
    parser.add_argument("--dev-target", choices=list(DEV_TARGETS), default="semeion",
                        help="the development task's target: Semeion (grey) or Semeion-M (colour)")
    parser.add_argument("--variants", nargs="+", help="default: every variant of the method")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--confirm-tasks", nargs="*", default=[], choices=CONFIRM_TASKS)
    parser.add_argument("--confirm-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--confirm-variant",
                        help="confirm this variant instead of the screen's selection")
    add_parallel(parser)
    add_folders(parser, RUNS / "uda_design", figures=False)
    parser.add_argument("--cpu-cost", type=int, metavar="STEPS",
                        help="time STEPS steps of every variant on the CPU instead of screening")
    add_overrides(parser, "override for every run (e.g. train.accelerator=cuda)")
    parser.add_argument("--device", default=None,
                        help="where the runs with a non-CPU accelerator trained, when that was "
                             "another machine (e.g. 'cuda (H100), 16 runs at a time')")
    args = parser.parse_args()
    variants = VARIANTS[args.method]
    args.variants = args.variants or list(variants)
    for name in [*args.variants, *([args.confirm_variant] if args.confirm_variant else [])]:
        if name not in variants:
            parser.error(f"{args.method} has no variant {name!r}; choose from {list(variants)}")
    if args.method != "cdlm":
        args.runs_dir = args.runs_dir / args.method
    dev_overrides, dev_name, suffix = DEV_TARGETS[args.dev_target]
    if suffix:
        args.runs_dir = args.runs_dir / args.dev_target
    report = REPORTS[args.method] + suffix
    torch.set_num_threads(1)
    path = args.out / f"{report}.json"
    earlier = json.loads(path.read_text()) if path.is_file() else {}
    if args.cpu_cost:
        measured = _cpu_cost(args, args.cpu_cost, args.runs_dir / "cpu_cost")
        kept = earlier.get("cpu_cost", {})
        if (kept.get("steps"), kept.get("device")) == (measured["steps"], measured["device"]):
            measured["calls"] = kept["calls"] + measured["calls"]  # earlier calls stay
        earlier["cpu_cost"] = measured
        _write(args.out / report, earlier)
        return

    # Runs recorded in an earlier report are taken from it (their folders may be on another
    # machine or gone), neither trained nor collected again.
    earlier_screen = _earlier_runs(earlier.get("screen", []), args)
    earlier_confirm = _earlier_runs(earlier.get("confirm", []), args)
    recorded = {tuple(run["key"]) for run in earlier_screen + earlier_confirm}
    screen_jobs = [("dev", variant, seed) for seed in args.seeds for variant in args.variants
                   if ("dev", variant, seed) not in recorded]
    _run(screen_jobs, args)
    screen = [run for run in (_collect(job, args) for job in screen_jobs) if run]
    for run in screen:
        run["metrics"].update(_dev_scores(preset_runs.run_dir(args.runs_dir, *run["key"])))
    screen = earlier_screen + screen
    screen_summary = preset_runs.summarize(screen, "task").get("dev", {})
    selected = select(screen_summary)
    chosen = args.confirm_variant or selected
    confirm_jobs = [(task, chosen, seed) for seed in args.confirm_seeds
                    for task in args.confirm_tasks
                    if (task, chosen, seed) not in recorded] if chosen and chosen != SHIPPED else []
    _run(confirm_jobs, args)
    # Every variant confirmed so far (one per screening round) stays in the report.
    confirm = earlier_confirm + [
        run for run in (_collect((task, variant, seed), args)
                        for variant in args.variants if variant != SHIPPED
                        for seed in args.confirm_seeds for task in args.confirm_tasks
                        if (task, variant, seed) not in recorded) if run]
    shown = {run["row"] for run in screen} | set(args.variants)
    scored = "x~_ts accuracy" if args.method == "cdlm" else "target accuracy"
    result = {
        "benchmark": report, "method": args.method,
        "date": utc_now(),
        "device": "; ".join(sorted({run["device"] for run in screen + confirm})),
        "torch": torch.__version__, "checkpoint_rule": "last",
        "dev_task": {"preset": str(_preset(args.method, DEV_TASK).relative_to(ROOT)),
                     "override": ", ".join(dev_overrides), "name": dev_name,
                     "score": f"{scored} on all Semeion images (train + test splits)"},
        "variants": {name: {"overrides": variants[name][0], "why": variants[name][1]}
                     for name in variants if name in shown},
        "selection_rule": "highest mean dev score over seeds; the shipped preset wins ties",
        "selected": selected,
        "confirmed_variants": sorted({run["row"] for run in confirm},
                                     key=list(variants).index),
        "overrides": args.overrides, "seeds": args.seeds, "confirm_seeds": args.confirm_seeds,
        "screen": screen, "screen_summary": screen_summary,
        "confirm": confirm,
        "confirm_summary": preset_runs.summarize(confirm, "task") if confirm else {},
        # The shipped row as it was when first reported: a pick adopted since then does not
        # turn the comparison into one with itself.
        "shipped_table2": {**_shipped_table2(RESULTS / "uda.json",
                                             args.method, args.confirm_tasks),
                           **earlier.get("shipped_table2", {})},
        "cpu_cost": earlier.get("cpu_cost", {}),
    }
    _write(args.out / report, result)


def select(summary: dict) -> str | None:
    """The variant with the highest mean dev score; the shipped preset wins ties."""
    scores = {name: entry["metrics"]["dev_acc"]["mean"] for name, entry in summary.items()
              if "dev_acc" in entry["metrics"]}
    if not scores:
        return None
    best = max(scores.values())
    return SHIPPED if scores.get(SHIPPED) == best else max(scores, key=scores.get)


def _earlier_runs(earlier: list[dict], args) -> list[dict]:
    """The runs of an earlier report, each as it was recorded; a run whose config is not what
    its preset, variant and this call's overrides give now is dropped (and so trained again)."""
    kept = []
    for run in earlier:
        job = tuple(run.get("key") or ())
        if len(job) != 3 or job[1] not in VARIANTS[args.method]:
            continue
        preset, overrides = _preset_and_overrides(job, args)
        if not isinstance(run.get("config"), dict) or not preset_runs.matches_preset(
                preset, job[2], run["config"], overrides):
            print(f"{'/'.join(map(str, job))}: dropped from the earlier report, its preset, "
                  "variant or the overrides changed since it ran", flush=True)
            continue
        kept.append(run)
    return kept


def _preset(method: str, task: str) -> Path:
    return PRESETS / f"{task}_{method}.yaml"


def _preset_and_overrides(job: tuple[str, str, int], args) -> tuple[Path, list[str]]:
    """A job's preset and overrides: the method's preset of the dev task (MNIST → USPS with
    Semeion or Semeion-M as the target) or of a Table 2 task, the variant's change and this
    call's ``--set``."""
    task, variant, _ = job
    change = VARIANTS[args.method][variant][0]
    if task == "dev":
        dev_overrides = DEV_TARGETS[args.dev_target][0]
        return _preset(args.method, DEV_TASK), [*dev_overrides, *change, *args.overrides]
    return _preset(args.method, task), [*change, *args.overrides]


def _run(jobs: list[tuple], args) -> None:
    if args.report_only or not jobs:
        return

    def one(job):
        preset, overrides = _preset_and_overrides(job, args)
        return run_preset(preset, preset_runs.run_dir(args.runs_dir, *job), job[2], overrides)

    run_all(jobs, one, args.parallel)


def _collect(job: tuple[str, str, int], args) -> dict | None:
    """A finished run; one trained from another version of its preset (or other overrides)
    is reported and left out, as in ``uda_results.py``."""
    out = preset_runs.run_dir(args.runs_dir, *job)
    preset, overrides = _preset_and_overrides(job, args)
    if preset_runs.stale_run(preset, out, job[2], overrides):
        print(f"{'/'.join(map(str, job))}: {out} was trained from another version of its "
              "preset; delete it or pass another --runs-dir", flush=True)
        return None
    run = preset_runs.read_run(out)
    if run is None:
        return None
    task, variant, seed = job
    accelerator = run["config"]["train"].get("accelerator", "cpu")
    device = (args.device if args.device and accelerator != "cpu"
              else preset_runs.describe_device([f"train.accelerator={accelerator}"],
                                               args.parallel))
    return {"task": task, "row": variant, "seed": seed, "key": list(job), "device": device,
            **run}


@torch.no_grad()
def _dev_scores(trained: Path) -> dict[str, float]:
    """x~_ts and feature accuracy on every Semeion image (computed once, kept in the run)."""
    cached = trained / "dev_scores.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    from cyclekit.adaptation.evaluation import accuracy
    from cyclekit.engine.loading import load_trained_method

    if not (trained / "checkpoints").is_dir():
        return {}
    config, method = load_trained_method(trained)
    target = method.load_data(config).y
    splits = (target.train, target.val, target.test)
    every = SimpleNamespace(images=torch.cat([split.images for split in splits]),
                            labels=torch.cat([split.labels for split in splits]))
    scores = {"dev_count": float(len(every.labels)),
              "dev_acc": accuracy(method.classify, every, method, "cpu"),
              "dev_acc_feature": accuracy(method.classify_features, every, method, "cpu")}
    write_json(cached, scores, indent=None)
    return scores


def _cpu_cost(args, steps: int, folder: Path) -> dict:
    """Seconds per training step of each of ``args.variants`` on this CPU (one run at a time),
    as one call of ``calls``: compare variants with the shipped preset timed in the same call."""
    costs = {}
    timing = [f"train.steps={steps}", "train.eval_every=1000000",
              "train.checkpoint_every=1000000", "train.sample_every=1000000"]
    for name in args.variants:
        out = folder / name
        preset, overrides = _preset_and_overrides(("dev", name, 0), args)
        run_preset(preset, out, 0, [*overrides, *timing])
        metrics = json.loads((out / "metrics.json").read_text())
        costs[name] = metrics["train/wall_time_s"] / steps
        print(f"{name}: {costs[name]:.3f} s / step", flush=True)
    when = utc_now()
    return {"steps": steps, "device": preset_runs.describe_device([], 1),
            "calls": [{"date": when, "s_per_step": costs}]}


def cost_cells(cpu_cost: dict) -> dict[str, str]:
    """Per variant, its seconds per step from the latest call that timed it and, where that
    call also timed the shipped preset, the ratio to it ("0.263 (1.48×)")."""
    cells = {}
    for call in cpu_cost.get("calls", []):
        times = call["s_per_step"]
        for name, seconds in times.items():
            ratio = f" ({seconds / times[SHIPPED]:.2f}×)" if SHIPPED in times else ""
            cells[name] = f"{seconds:.3f}{ratio}"
    return cells


def _shipped_table2(path: Path, method: str, tasks: list[str]) -> dict:
    """The method's shipped presets' Table 2 target accuracy per task (mean, std, n, seeds)."""
    if not path.is_file():
        return {}
    summary = json.loads(path.read_text())["summary"]
    return {task: {**summary[task][method]["metrics"]["target_acc"],
                   "seeds": summary[task][method]["seeds"]}
            for task in tasks if method in summary.get(task, {})}


def _write(stem: Path, result: dict) -> None:
    """``stem``.json and, for a screen, ``stem``.md."""
    write_result(stem.parent, stem.name, result,
                 _markdown(result) if "screen_summary" in result else None)


def _cell(stats: dict | None, digits: int = 3) -> str:
    if not stats:
        return "–"
    if stats["n"] < 2:
        return f"{stats['mean']:.{digits}f}"
    return f"{stats['mean']:.{digits}f} ± {stats['std']:.{digits}f}"


def _markdown(result: dict) -> str:
    """The screen's table and each confirmed variant's Table 2 table. CDLM's dev score is
    x~_ts, beside its feature-level classifier; the baselines have one classifier."""
    summary, costs = result["screen_summary"], cost_cells(result["cpu_cost"])
    method = result.get("method", "cdlm")
    cdlm = method == "cdlm"
    scored = "x~_ts" if cdlm else "target"
    lines = [f"# {method.upper()} design screen on a development task ({result['date']})", "",
             f"Device: {result['device']}; report written with torch {result['torch']}. "
             f"Development task: "
             f"`{result['dev_task']['preset']}` with `{result['dev_task']['override']}` "
             f"({result['dev_task'].get('name', 'MNIST → Semeion')}); dev score: {result['dev_task']['score']}. Seeds "
             f"{result['seeds']}, mean ± std; checkpoint rule {result['checkpoint_rule']}"
             + (f"; overrides {result['overrides']}" if result["overrides"] else "") + ".", "",
             f"Selection rule: {result['selection_rule']}. Selected: **{result['selected']}**.",
             "", (f"| variant | overrides | why | dev acc ({scored}) | by seed | "
                  + ("dev acc (features) | " if cdlm else "")
                  + "Semeion test acc | CPU s / step |"),
             "|---|---|---|---|---|" + ("---|" if cdlm else "") + "---|---|"]
    for name, variant in result["variants"].items():
        metrics = summary.get(name, {}).get("metrics", {})
        by_seed = " / ".join(f"{run['metrics']['dev_acc']:.3f}" for run in
                             sorted(result["screen"], key=lambda run: run["seed"])
                             if run["row"] == name and "dev_acc" in run["metrics"]) or "–"
        cost = costs.get(name, "–")
        features = f"{_cell(metrics.get('dev_acc_feature'))} | " if cdlm else ""
        lines.append(f"| {name} | {', '.join(variant['overrides']) or '–'} | {variant['why']} | "
                     f"{_cell(metrics.get('dev_acc'))} | {by_seed} | {features}"
                     f"{_cell(metrics.get('target_acc'))} | {cost} |")
    trained_on: dict[str, dict[str, None]] = {}  # device -> variants, in table order
    for name in result["variants"]:
        for run in result["screen"]:
            if run["row"] == name:
                trained_on.setdefault(run["device"], {})[name] = None
    lines += ["", "Trained on: " + "; ".join(f"{', '.join(names)}: {device}"
                                              for device, names in trained_on.items()) + "."]
    if costs:
        lines += ["", (f"CPU s / step: {result['cpu_cost']['steps']} steps of each variant, one "
                  f"run at a time, on {result['cpu_cost']['device']}, in "
                  f"{len(result['cpu_cost']['calls'])} call(s); (×) is the ratio to the shipped "
                  "preset timed in the same call.")]
    for chosen in result["confirmed_variants"]:
        devices = sorted({run["device"] for run in result["confirm"] if run["row"] == chosen})
        lines += ["", f"## {chosen} on Table 2 tasks (target test accuracy, {scored})", "",
                  (f"Seeds {result['confirm_seeds']}, trained on {'; '.join(devices)}. Shipped: "
                  f"the Table 2 {method.upper()} row of `uda.json` (CPU)."), "",
                  f"| task | shipped | {chosen} |" + (" features |" if cdlm else ""),
                  "|---|---|---|" + ("---|" if cdlm else "")]
        for task, rows in result["confirm_summary"].items():
            if chosen not in rows:
                continue
            metrics = rows[chosen]["metrics"]
            features = f" {_cell(metrics.get('target_acc_feature'))} |" if cdlm else ""
            lines.append(f"| {task} | {_cell(result['shipped_table2'].get(task))} | "
                         f"{_cell(metrics.get('target_acc'))} |{features}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
