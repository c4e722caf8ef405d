"""``cyclekit track run`` / ``cyclekit track eval`` end to end on a generated sequence."""

import json

import pytest
from PIL import Image

from cyclekit.cli import main
from tests.tracking.conftest import write_moving_patch


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


def _workspace(root):
    """Sequences, a results folder, a plain file and run folders of the wrong kind."""
    gt = write_moving_patch(root / "data" / "Patch")
    (root / "results").mkdir()
    (root / "results" / "Patch.txt").write_text("1,1,4,4\n" * len(gt))
    (root / "afile").write_text("not a folder\n")
    (root / "cyclegn_run").mkdir()
    (root / "cyclegn_run" / "config.yaml").write_text("method: cyclegn\n")
    (root / "bad_yaml_run").mkdir()
    (root / "bad_yaml_run" / "config.yaml").write_text("method: [cycletrack\n")
    (root / "no_config_run").mkdir()
    write_moving_patch(root / "short" / "Short", frames=6)
    (root / "short" / "Short" / "groundtruth_rect.txt").write_text("1,1,4,4\n" * 4)
    (root / "report.json").mkdir()
    (root / "dataset.txt").write_text("Patch\n")


LONG = "x" * 300
BAD_TRACK_INPUTS = [
    # results / out paths
    ("run ncc {d} --out {t}/afile", "--out {t}/afile is a file"),
    ("run ncc {d} --out {t}/afile/sub", "cannot be created: {t}/afile is a file"),
    ("run ncc {d} --out {t}/" + LONG, "300 bytes, more than the file system's 255"),
    ("eval {t}/results --data {d} --protocol pysot_otb --out {t}/afile/m.json",
     "cannot be created: {t}/afile is a file"),
    ("eval {t}/results --data {d} --protocol pysot_otb --out {t}/report.json",
     "{t}/report.json is a folder; --out names the report file"),
    ("eval {t}/afile --data {d} --protocol pysot_otb",
     "results folder {t}/afile is a file; track eval scores the folder"),
    ("eval {t}/none --data {d} --protocol pysot_otb", "results folder {t}/none does not exist"),
    ("tre ncc {d} --protocol pysot_otb --out {t}/report.json", "is a folder; --out names"),
    ("tre ncc {d} --protocol pysot_otb --out {t}/afile/t.json",
     "cannot be created: {t}/afile is a file"),
    # data paths
    ("run ncc {t}/none --out {t}/x", "no such sequence folder or dataset JSON: {t}/none"),
    ("tre ncc {d} {t}/none --protocol pysot_otb --out {t}/t.json",
     "no such sequence folder or dataset JSON: {t}/none"),
    ("eval {t}/results --data {t}/none --protocol pysot_otb",
     "no such sequence folder or dataset JSON: {t}/none"),
    ("run ncc {t}/dataset.txt --out {t}/x", "is a file, not a sequence folder or a pysot"),
    ("run ncc {t}/" + LONG + " --out {t}/x", "dataset JSON: File name too long"),
    ("eval {t}/results --data {t}/" + LONG + " --protocol pysot_otb", "File name too long"),
    ("eval {t}/" + LONG + " --data {d} --protocol pysot_otb",
     "cannot be read (File name too long); track eval scores the folder"),
    ("eval {t}/results --data {t}/short --protocol pysot_otb",
     "Short: groundtruth_rect.txt has 4 boxes but"),
    # trackers of the wrong kind
    ("run {t}/cyclegn_run {d} --out {t}/x", ("{t}/cyclegn_run is a cyclegn run; track run needs "
                                             "a cycletrack run directory or a baseline name "
                                             "such as ncc")),
    ("tre {t}/cyclegn_run {d} --protocol pysot_otb --out {t}/t.json",
     "is a cyclegn run; track tre needs a cycletrack run directory"),
    ("run {t}/no_config_run {d} --out {t}/x", ("no config.yaml in it); track run needs a "
                                               "cycletrack run directory or a baseline name "
                                               "such as ncc")),
    ("run {t}/afile {d} --out {t}/x", "(it is a file); track run needs"),
    ("run kcf {d} --out {t}/x", "kcf is neither a baseline nor a run directory (no such folder)"),
    ("run {t}/bad_yaml_run {d} --out {t}/x", "config.yaml is not readable YAML"),
    ("run {t}/" + LONG + " {d} --out {t}/x", "nor a run directory (File name too long)"),
    # protocols and numbers
    ("eval {t}/results --data {d} --protocol vot2018", "unknown tracking protocol 'vot2018'"),
    ("tre ncc {d} --protocol otb_pysot --out {t}/t.json", "unknown tracking protocol"),
    ("run ncc {d} --out {t}/x --threads 0", "--threads 0: give at least 1"),
]


def _tree(root):
    return sorted((str(p.relative_to(root)), p.is_dir() or p.read_bytes()) for p in root.rglob("*"))


@pytest.mark.parametrize("argv,message", BAD_TRACK_INPUTS,
                         ids=[f"{i:02d}-{a.split()[0]}" for i, (a, _) in
                              enumerate(BAD_TRACK_INPUTS)])
def test_bad_track_inputs_end_in_one_line_and_exit_2(tmp_path, capsys, argv, message):
    _workspace(tmp_path)
    before = _tree(tmp_path)
    fill = {"t": tmp_path, "d": tmp_path / "data"}
    assert main(["track", *argv.format(**fill).split()]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("cyclekit: error: "), \
        captured.err
    assert "Traceback" not in captured.err + captured.out
    assert message.format(**fill) in captured.err, captured.err
    assert _tree(tmp_path) == before  # checked before any work: nothing written or created


def test_track_eval_names_skipped_folders_and_truncates_on_request(tmp_path, capsys):
    _workspace(tmp_path)
    data = tmp_path / "short"
    (data / "Unlabelled" / "img").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(data / "Unlabelled" / "img" / "0001.jpg")
    results = tmp_path / "short_results"
    results.mkdir()
    (results / "Short.txt").write_text("1,1,4,4\n" * 4)
    assert main(["track", "eval", str(results), "--data", str(data), "--protocol", "pysot_otb",
                 "--truncate"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err
    assert any("kept the first 4 of both (--truncate)" in line for line in err)
    assert any(line.startswith("cyclekit: warning: not a tracking sequence, skipped: ")
               and "Unlabelled: 1 frames in img/ but no ground truth" in line for line in err)


def test_a_run_tracks_on_its_own_thread_count_unless_told(tmp_path):
    import argparse

    from cyclekit.tracking.cli import _thread_count

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("method: cycletrack\ntrain: {num_threads: 1}\n")
    assert _thread_count(argparse.Namespace(threads=None, tracker=str(run))) == 1
    assert _thread_count(argparse.Namespace(threads=3, tracker=str(run))) == 3
    assert _thread_count(argparse.Namespace(threads=None, tracker="ncc")) is None
