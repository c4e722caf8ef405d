"""benchmarks/uda_design_screen.py: the selection rule and the report."""

from __future__ import annotations

from benchmarks import uda_design_screen
from benchmarks.preset_runs import summarize


def _run(task: str, row: str, seed: int, metrics: dict) -> dict:
    return {"task": task, "row": row, "seed": seed, "method": "cdlm", "strategy": "alternating",
            "run_wall_time_s": 300.0, "device": "cpu", "metrics": metrics}


def _summary(scores: dict[str, list[float]]) -> dict:
    runs = [_run("dev", name, seed, {"dev_acc": value})
            for name, values in scores.items() for seed, value in enumerate(values)]
    return summarize(runs, "task")["dev"]


def test_select_takes_the_highest_mean_and_the_shipped_preset_wins_ties():
    assert uda_design_screen.select(_summary(
        {"shipped": [0.7, 0.5], "latent_128": [0.65, 0.65], "adversarial_3": [0.9, 0.1]})) == "latent_128"
    assert uda_design_screen.select(_summary({"latent_128": [0.6], "shipped": [0.6]})) == "shipped"
    assert uda_design_screen.select({}) is None


def test_report_lists_every_variant_with_its_seeds_and_every_confirmation():
    screen = [_run("dev", "shipped", 0, {"dev_acc": 0.70, "target_acc": 0.69}),
              _run("dev", "shipped", 1, {"dev_acc": 0.40, "target_acc": 0.41}),
              _run("dev", "decoder_lr_1e-3", 1, {"dev_acc": 0.66}),
              _run("dev", "decoder_lr_1e-3", 0, {"dev_acc": 0.72})]
    screen[2]["device"] = screen[3]["device"] = "cuda"
    confirm = [_run("mnist_usps", "decoder_lr_1e-3", seed, {"target_acc": value})
               for seed, value in ((0, 0.91), (1, 0.95))]
    confirm.append(_run("usps_mnist", "spatial_code", 0, {"target_acc": 0.97}))
    variants = {name: {"overrides": overrides, "why": why}
                for name, (overrides, why) in uda_design_screen.CDLM_VARIANTS.items()}
    result = {"date": "today", "device": "cpu", "torch": "2", "checkpoint_rule": "last",
              "dev_task": {"preset": "p.yaml", "override": "data.target=semeion", "score": "all"},
              "seeds": [0, 1], "overrides": [], "selection_rule": "rule",
              "selected": "spatial_code",
              "confirmed_variants": ["decoder_lr_1e-3", "spatial_code"],
              "variants": variants, "screen": screen,
              "screen_summary": summarize(screen, "task")["dev"], "confirm_seeds": [0, 1],
              "confirm": confirm, "confirm_summary": summarize(confirm, "task"),
              "shipped_table2": {"mnist_usps": {"mean": 0.902, "std": 0.031, "n": 3}},
              "cpu_cost": {"steps": 10, "device": "cpu", "calls": [
                  {"date": "a", "s_per_step": {"shipped": 0.2, "latent_128": 0.3}},
                  {"date": "b", "s_per_step": {"latent_128": 0.5}},
                  {"date": "c", "s_per_step": {"shipped": 0.25, "decoder_lr_1e-3": 0.3}}]}}
    table = uda_design_screen._markdown(result)
    assert ("| shipped | – | the preset as shipped (Table 2) | 0.550 ± 0.212 | 0.700 / 0.400 | – "
            "| 0.550 ± 0.198 | 0.250 (1.00×) |") in table
    assert "| decoder_lr_1e-3 | model.decoder_lr=0.001 |" in table
    assert "0.690 ± 0.042 | 0.720 / 0.660 |" in table
    assert "| latent_128 | model.latent_dim=128 |" in table
    assert "| – | – | – | – | 0.500 |" in table
    assert "0.720 / 0.660 | – | – | 0.300 (1.20×) |" in table  # the ratio within its own call
    assert "in 3 call(s)" in table
    assert "| mnist_usps | 0.902 ± 0.031 | 0.930 ± 0.028 | – |" in table
    assert "Trained on: shipped: cpu; decoder_lr_1e-3: cuda." in table
    spatial = table[table.index("## spatial_code on Table 2 tasks"):]
    assert "| usps_mnist | – | 0.970 | – |" in spatial and "mnist_usps" not in spatial
    assert "Seeds [0, 1], trained on cpu." in spatial


def test_runs_of_an_earlier_report_are_kept_while_their_preset_and_variant_are_unchanged():
    from types import SimpleNamespace

    from cyclekit.config import load_config

    def recorded(variant: str, seed: int, extra: tuple[str, ...] = ()) -> dict:
        overrides = [f"seed={seed}", *uda_design_screen.DEV_TARGETS["semeion"][0],
                     *uda_design_screen.CDLM_VARIANTS[variant][0], *extra]
        config = load_config(uda_design_screen.PRESETS / "mnist_usps_cdlm.yaml",
                             overrides).to_dict()
        return {**_run("dev", variant, seed, {"dev_acc": 0.5}), "key": ["dev", variant, seed],
                "config": config}

    kept = recorded("latent_128", 0, ("train.accelerator=cuda",))  # where it ran is no change
    changed = recorded("latent_128", 1, ("model.width=8",))
    unknown = {**recorded("shipped", 0), "key": ["dev", "no_such_variant", 0]}
    args = SimpleNamespace(overrides=[], method="cdlm", dev_target="semeion")
    assert uda_design_screen._earlier_runs([kept, changed, unknown], args) == [kept]


def test_dann_screen_uses_dann_presets_and_reports_one_classifier():
    from types import SimpleNamespace

    args = SimpleNamespace(overrides=["train.steps=10"], method="dann", dev_target="semeion")
    preset, overrides = uda_design_screen._preset_and_overrides(
        ("dev", "cdlm_encoder_features", 0), args)
    assert preset.name == "mnist_usps_dann.yaml"
    assert overrides == ["data.target=semeion", "model.feature_activation=sigmoid",
                         "model.feature_dim=64", "train.steps=10"]
    preset, overrides = uda_design_screen._preset_and_overrides(("usps_mnist", "shipped", 1), args)
    assert preset.name == "usps_mnist_dann.yaml"  # "shipped" stays the preset it screened
    assert overrides == ["model.feature_activation=relu", "train.steps=10"]
    args.dev_target = "semeion_m"  # the colour development task: Semeion-M in 3 channels
    preset, overrides = uda_design_screen._preset_and_overrides(
        ("dev", "sigmoid_input_instance_norm", 0), args)
    assert preset.name == "mnist_usps_dann.yaml"
    assert overrides == ["data.target=semeion_m", "data.channels=3",
                         "model.feature_activation=sigmoid", "model.input_norm=instance",
                         "train.steps=10"]

    screen = [_run("dev", "shipped", 0, {"dev_acc": 0.60}),
              _run("dev", "sigmoid_features", 0, {"dev_acc": 0.65})]
    confirm = [_run("mnist_usps", "sigmoid_features", 0, {"target_acc": 0.9})]
    variants = {name: {"overrides": overrides, "why": why}
                for name, (overrides, why) in uda_design_screen.DANN_VARIANTS.items()}
    result = {"method": "dann", "date": "today", "device": "cpu", "torch": "2",
              "checkpoint_rule": "last",
              "dev_task": {"preset": "p.yaml", "override": "data.target=semeion", "score": "all"},
              "seeds": [0], "overrides": [], "selection_rule": "rule",
              "selected": "sigmoid_features", "confirmed_variants": ["sigmoid_features"],
              "variants": variants, "screen": screen,
              "screen_summary": summarize(screen, "task")["dev"], "confirm_seeds": [0],
              "confirm": confirm, "confirm_summary": summarize(confirm, "task"),
              "shipped_table2": {"mnist_usps": {"mean": 0.832, "std": 0.018, "n": 3}},
              "cpu_cost": {}}
    table = uda_design_screen._markdown(result)
    assert table.startswith("# DANN design screen")
    assert "| variant | overrides | why | dev acc (target) | by seed | Semeion test acc |" in table
    assert "| sigmoid_features | model.feature_activation=sigmoid |" in table
    assert "| shipped | model.feature_activation=relu |" in table
    assert "| 0.650 | 0.650 | – | – |" in table
    assert "| task | shipped | sigmoid_features |\n" in table
    assert "| mnist_usps | 0.832 ± 0.018 | 0.900 |\n" in table
    assert "Table 2 DANN row" in table
