"""benchmarks/acc_results.py's report: several MNIST presets side by side, kept apart from the
dSprites settings."""

from __future__ import annotations


def _run(setting: str, kind: str, seed: int, metrics: dict) -> dict:
    return {"kind": kind, "setting": setting, "seed": seed, "run_wall_time_s": 100.0 + seed,
            "train_wall_time_s": 80.0, "final_val_loss": 2.0,
            "config": {"data": {"set_size": 32, "inactive": ["pos_x"]}}, "metrics": metrics}


def test_markdown_has_a_column_per_mnist_preset():
    from benchmarks import acc_results

    dsprites = {f"test/{m}/{f}": 0.1 for m in ("mi", "untrained/mi", "entropy")
                for f in acc_results.DSPRITES_FACTORS}
    runs = [_run("xy", "dsprites", 0, dsprites)]
    for setting, probe in (("mnist", 0.17), ("mnist_augmented", 0.27)):
        for seed in (0, 1):
            runs.append(_run(setting, "mnist", seed, {
                "test/class_probe_accuracy": probe + 0.01 * seed,
                "test/untrained/class_probe_accuracy": 0.4, "test/class_chance": 0.126,
                "test/r2/slant": 0.5}))
    result = {"date": "today", "strategy": "self_cyclic (half)", "checkpoint_rule": "last",
              "device": "cpu", "torch": "2", "runs": runs, "summary": acc_results._summary(runs),
              "data": {"dsprites": "grid", "mnist": "digits"},
              "protocol": {"dsprites": "MI", "mnist": "probes"}}
    table = acc_results._markdown(result)
    titles = [acc_results.MNIST_SETTINGS[s][1] for s in ("mnist", "mnist_augmented")]
    assert f"| measure | untrained ({titles[0]} runs) | {titles[0]} | {titles[1]} |" in table
    assert ("| class_probe_accuracy | 0.400 ± 0.000 (med 0.400) | 0.175 ± 0.007 (med 0.175) | "
            "0.275 ± 0.007 (med 0.275) |") in table
    assert f"- {titles[1]} (`acc_mnist_augmented.yaml`): seeds [0, 1]" in table
    dsprites_rows = [line for line in table.splitlines() if line.startswith("| digit sets")]
    assert dsprites_rows == []  # MNIST presets never appear as dSprites rows
