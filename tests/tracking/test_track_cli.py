"""``cyclekit track run`` / ``cyclekit track eval`` end to end on a generated sequence."""

import json

from cyclekit.cli import main


def test_track_run_then_eval(moving_patch, tmp_path, capsys):
    folder, _ = moving_patch
    out = tmp_path / "ncc"
    assert main(["track", "run", "ncc", str(folder.parent), "--out", str(out),
                 "--threads", "1"]) == 0
    assert "fps" in capsys.readouterr().out
    assert main(["track", "eval", str(out), "--data", str(folder.parent),
                 "--protocol", "pysot_otb"]) == 0
    printed = capsys.readouterr().out
    assert "| Patch |" in printed and "mean" in printed
    report = json.loads((out / "metrics_pysot_otb.json").read_text())
    assert report["protocol"] == "pysot_otb" and report["mean"]["auc"] > 0.75
    assert (out / "metrics_pysot_otb.md").is_file()
    assert main(["track", "eval", str(out), "--data", str(folder), "--protocol", "got10k",
                 "--out", str(tmp_path / "g.json")]) == 0
    assert json.loads((tmp_path / "g.json").read_text())["protocol"] == "got10k"


def test_track_tre_runs_from_several_starts(moving_patch, tmp_path, capsys):
    folder, gt = moving_patch
    out = tmp_path / "tre.json"
    assert main(["track", "tre", "ncc", str(folder), "--protocol", "pysot_otb", "--out",
                 str(out), "--segments", "3", "--min-length", "4", "--threads", "1"]) == 0
    assert "| Patch |" in capsys.readouterr().out
    report = json.loads(out.read_text())
    assert report["evaluation"] == "tre" and report["tracker"] == "ncc"
    assert report["sequences"]["Patch"]["starts"] == [0, 4, 8]
    assert report["tracked_frames"] == 3 * len(gt) - 4 - 8
    assert "TRE of ncc, 3 starts per sequence" in out.with_suffix(".md").read_text()


def test_track_errors_are_one_line(moving_patch, tmp_path, capsys):
    folder, gt = moving_patch
    results = tmp_path / "short"
    results.mkdir()
    (results / "Patch.txt").write_text("1,1,4,4\n" * (len(gt) - 1))
    cases = [
        (["track", "eval", str(results), "--data", str(folder), "--protocol", "pysot_otb"],
         f"Patch: {len(gt) - 1} predicted boxes for {len(gt)} ground-truth frames"),
        (["track", "eval", str(results), "--data", str(folder), "--protocol", "vot"],
         "unknown tracking protocol 'vot'"),
        (["track", "eval", str(tmp_path), "--data", str(folder), "--protocol", "lasot"],
         "no result file"),
        (["track", "eval", str(results), "--data", str(tmp_path / "none"), "--protocol", "lasot"],
         "no such sequence folder"),
        (["track", "run", "kcf", str(folder), "--out", str(tmp_path / "x")],
         "neither a baseline"),
        (["track", "tre", "ncc", str(folder), "--protocol", "pysot_otb", "--out",
          str(tmp_path / "t.json")], "no frame with a valid box leaves 20 frames"),
        (["track", "tre", "ncc", str(folder), "--protocol", "pysot_otb", "--out",
          str(tmp_path / "t.json"), "--segments", "1"], "at least 2 segments"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1, error
