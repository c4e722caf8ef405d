"""Static, self-contained HTML report of one training run directory."""

import json
import math
import platform
import re
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from html import escape
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

import yaml

from cyclekit.atomic import atomic_output
from cyclekit.errors import ConfigError
from cyclekit.viz.curves import curve_families, log_scale_families, plot_curves

EM_COLUMNS = ("step", "phase", "inner_steps", "reason")
FRACTION = "fraction (0\u20131), higher is better"
# The headline metrics, in order: (key pattern, label, unit, ceiling key, what the ceiling is).
# Labels and ceilings are filled from the run's domains ({x}, {y}, {source}, {target}) and the
# pattern's groups; a ceiling key that the run did not record shows as "\u2014".
HEADLINE = (
    (r"test/acc_x2y", "translation accuracy {x} \u2192 {y}",
     FRACTION + " (a judge trained on real {y} labels the translations)",
     "test/judge_acc_{y}", "the judge on real {y} test images"),
    (r"test/acc_y2x", "translation accuracy {y} \u2192 {x}",
     FRACTION + " (a judge trained on real {x} labels the translations)",
     "test/judge_acc_{x}", "the judge on real {x} test images"),
    (r"test/fcn_label2photo_(?P<score>.+)", "FCN {score}, labels \u2192 photo", FRACTION,
     "test/fcn_real_{score}", "the segmenter on real photos"),
    (r"test/fcn_photo2label_(?P<score>.+)", "FCN {score}, photo \u2192 labels", FRACTION,
     "test/fcn_real_labelmap_{score}", "real label maps read by nearest colour"),
    (r"test/target_acc", "accuracy on the target {target}", FRACTION, None, None),
    (r"test/source_acc", "accuracy on the source {source}", FRACTION, None, None),
    (r"test/auc_(?P<name>.+)", "success AUC on {name}", FRACTION, None, None),
    (r"test/fps", "tracking speed", "frames per second", None, None),
    (r"test/cycle_l1_x", "cycle reconstruction error of {x}",
     "mean |x \u2212 g(f(x))| on pixels in [\u22121, 1], lower is better", None, "0 (perfect)"),
    (r"test/cycle_l1_y", "cycle reconstruction error of {y}",
     "mean |y \u2212 f(g(y))| on pixels in [\u22121, 1], lower is better", None, "0 (perfect)"),
    (r"test/ssim_(?P<d>x2y|y2x)", "SSIM {d} against the paired image", FRACTION, None, "1 (identical)"),
    (r"test/psnr_(?P<d>x2y|y2x)", "PSNR {d} against the paired image", "dB, higher is better",
     None, None),
    (r"train/steps", "training steps", "steps", None, None),
    (r"train/wall_time_s", "training time", "seconds", None, None),
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.subtitle { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.8em; text-align: left; }
th { background: #f2f2f2; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
figure { margin: 0 0 1.5em; }
figure img { image-rendering: pixelated; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 1em; overflow-x: auto; }
.note { color: #666; font-style: italic; }
.headline { border: 2px solid #888; border-radius: 6px; padding: 0.2em 1em 0.5em; background: #fbfbf6; }
.headline td.value { font-weight: bold; font-size: 1.15em; }
.runinfo td:first-child { color: #555; }
"""


def _read_config(run_dir: Path) -> tuple[str, dict]:
    path = run_dir / "config.yaml"
    try:
        text = path.read_text(encoding="utf-8")
        config = yaml.safe_load(text)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys")
    return text, config


def _read_final_metrics(run_dir: Path) -> dict | None:
    """The flat dict in metrics.json, or None when it is missing or unreadable."""
    try:
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return metrics if isinstance(metrics, dict) else None


def _read_records(run_dir: Path) -> tuple[list[dict], int]:
    """The JSON objects in metrics.jsonl and the number of lines skipped as unreadable (e.g. cut off by a crash)."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return [], 0
    records, skipped = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            records.append(record)
        else:
            skipped += 1
    return records, skipped


def _data(config: dict) -> dict:
    return config.get("data") if isinstance(config.get("data"), dict) else {}


def _title(config: dict) -> str:
    strategy = config.get("strategy")
    strategy_name = strategy.get("name") if isinstance(strategy, dict) else strategy
    data = _data(config)
    parts = [config.get("method"), strategy_name]
    if data.get("x") is not None or data.get("y") is not None:
        parts.append(f"{data.get('x', '?')} \u2194 {data.get('y', '?')}")
    elif data.get("source") is not None or data.get("target") is not None:  # adaptation
        parts.append(f"{data.get('source', '?')} \u2192 {data.get('target', '?')}")
    return " \u00b7 ".join(str(part) for part in parts if part is not None) or "cyclekit run"


def _format_value(value) -> tuple[str, bool]:
    """Cell text for a metric value and whether it is numeric."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}", True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), True
    return str(value), False


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = []
    for row in rows:
        cells = []
        for value in row:
            text, numeric = _format_value(value)
            cells.append(f'<td class="number">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _format_number(value) -> str:
    return _format_value(value)[0] if isinstance(value, (int, float)) else "\u2014"


def headline_rows(config: dict, metrics: dict) -> list[tuple[str, str, str, str, str]]:
    """The headline metrics of a run: (key, label, value, ceiling, unit) in :data:`HEADLINE`
    order; without any of them, the run's numeric ``test/`` metrics as they are."""
    data = _data(config)
    names = {key: str(data.get(key, key)) for key in ("x", "y", "source", "target")}
    rows = []
    for pattern, label, unit, ceiling_key, ceiling_words in HEADLINE:
        for key in sorted(metrics):
            match = re.fullmatch(pattern, key)
            value = metrics[key]
            if not match or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            fill = {**names, **match.groupdict()}
            if "d" in fill:  # a direction: x2y is x -> y
                ends = (names["x"], names["y"]) if fill["d"] == "x2y" else (names["y"], names["x"])
                fill["d"] = " \u2192 ".join(ends)
            ceiling = "\u2014"
            if ceiling_key is not None and ceiling_key.format(**fill) in metrics:
                ceiling = f"{_format_number(metrics[ceiling_key.format(**fill)])} ({ceiling_words.format(**fill)})"
            elif ceiling_key is None and ceiling_words:
                ceiling = ceiling_words.format(**fill)
            rows.append((key, label.format(**fill), _format_number(value), ceiling,
                         unit.format(**fill)))
    if not any(key.startswith("test/") for key, *_ in rows):
        rows = [(key, key, _format_number(value), "\u2014", "\u2014")
                for key, value in sorted(metrics.items())
                if key.startswith("test/") and isinstance(value, (int, float))
                and not isinstance(value, bool)] + rows
    return rows


def _headline(config: dict, metrics: dict | None) -> str:
    rows = headline_rows(config, metrics or {})
    if not rows:
        return ('<section class="headline" id="headline"><h2>Results</h2><p class="note">No test '
                'metrics (metrics.json is missing or holds none).</p></section>')
    body = "".join(
        f'<tr><td>{escape(label)}</td><td class="number value">{escape(value)}</td>'
        f"<td>{escape(ceiling)}</td><td>{escape(unit)}</td></tr>"
        for _, label, value, ceiling, unit in rows)
    return ('<section class="headline" id="headline"><h2>Results</h2><table><thead><tr>'
            "<th>metric</th><th>value</th><th>ceiling (best reachable)</th><th>unit</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
            '<p class="note">Test split; every metric is in the full table below.</p></section>')


def _command() -> str:
    """The command line of this process, as typed (``cyclekit`` for the CLI's entry points)."""
    argv = list(sys.argv) or ["?"]
    program = Path(argv[0])
    if program.name in ("cli.py", "__main__.py") and program.parent.name == "cyclekit":
        argv[0] = "cyclekit"
    elif program.name == "cyclekit":
        argv[0] = "cyclekit"
    return " ".join(shlex.quote(part) for part in argv)


def _commit(run_dir: Path) -> str:
    """``git rev-parse HEAD`` of the checkout holding the run folder, else "unknown"."""
    try:
        done = subprocess.run(["git", "-C", str(run_dir), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown (git is not available)"
    commit = done.stdout.strip()
    if done.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40,64}", commit):
        return "unknown (the run folder is not inside a git checkout)"
    return commit


def _version(package: str) -> str:
    """The package's version: its ``__version__`` when it is imported (a checkout's own), else
    its installed distribution's."""
    version = getattr(sys.modules.get(package), "__version__", None)
    if version:
        return str(version)
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def run_info(run_dir: Path) -> list[tuple[str, str]]:
    """(what, value) rows: when the run was evaluated, the command that wrote this report, the
    commit and the versions."""
    metrics_file = run_dir / "metrics.json"
    now = datetime.now(timezone.utc).timestamp()
    evaluated = _utc(metrics_file.stat().st_mtime) if metrics_file.is_file() else "not evaluated"
    return [
        ("run evaluated", evaluated),
        ("report written", _utc(now)),
        ("command (that wrote this report)", _command()),
        ("git commit", _commit(run_dir)),
        ("versions", f"cyclekit {_version('cyclekit')}, "
                     f"torch {_version('torch')}, python {platform.python_version()}"),
    ]


def _flat(mapping: dict, prefix: str = "") -> dict:
    """``{"train": {"steps": 6}}`` as ``{"train.steps": 6}``; values TensorBoard's hyper-parameter
    table takes (numbers, strings, booleans), others as JSON text."""
    flat = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, f"{name}."))
        elif isinstance(value, (bool, int, float, str)):
            flat[name] = value
        else:
            flat[name] = json.dumps(value, default=str)
    return flat


def write_tensorboard_summary(run_dir: Path, config: dict, metrics: dict | None,
                              samples: list[Path]) -> bool:
    """Add the sample grids, the hyper-parameters (the flattened config) and the final test
    metrics to the run's TensorBoard log (``run_dir/tensorboard``, beside the training scalars),
    at the run's last step. Only for a run that logs to TensorBoard (the folder exists) and
    where TensorBoard can be imported; returns whether it wrote."""
    log_dir = run_dir / "tensorboard"
    if not log_dir.is_dir():
        return False
    try:
        import numpy as np
        from PIL import Image
        from torch.utils.tensorboard import SummaryWriter
        from torch.utils.tensorboard.summary import hparams
    except ImportError:
        return False
    metrics = metrics or {}
    last_step = metrics.get("train/steps")
    last_step = int(last_step) if isinstance(last_step, (int, float)) else 0
    final = {key: float(value) for key, value in sorted(metrics.items())
             if key.startswith("test/") and isinstance(value, (int, float))
             and not isinstance(value, bool) and math.isfinite(value)}
    writer = SummaryWriter(str(log_dir))
    try:
        for sample in samples:
            match = re.fullmatch(r"step_(\d+)", sample.stem)
            with Image.open(sample) as image:
                pixels = np.asarray(image.convert("RGB"))
            tag, step = ("samples", int(match.group(1))) if match else (f"samples/{sample.stem}", last_step)
            writer.add_image(tag, pixels, step, dataformats="HWC")
        if final:
            file_writer = writer._get_file_writer()
            for summary in hparams(_flat(config), final):
                file_writer.add_summary(summary)
            for key, value in final.items():
                writer.add_scalar(key, value, last_step)
    finally:
        writer.close()
    return True


def write_report(run_dir: str | Path) -> Path:
    """Build ``run_dir/report.html`` (and ``run_dir/curves.png``) from the run's files; return the report path.

    Reads config.yaml (required), metrics.json, metrics.jsonl and samples/*.png
    (each optional). The page opens with the headline metrics (value, ceiling, unit), then
    when and how the run was made (date, command, commit, versions). A run that logs to
    TensorBoard also gets its samples, hyper-parameters and final test metrics there
    (:func:`write_tensorboard_summary`). Records with an ``"event"`` key are not plotted; those with
    event ``"em_switch"`` form the EM log table. Images are referenced by
    relative paths, so the directory can be moved or archived as a whole.
    """
    run_dir = Path(run_dir)
    config_text, config = _read_config(run_dir)
    final_metrics = _read_final_metrics(run_dir)
    records, skipped_lines = _read_records(run_dir)
    title = _title(config)
    sections = [f"<h1>{escape(title)}</h1>", f'<p class="subtitle">{escape(run_dir.resolve().name)}</p>']
    sections.append(_headline(config, final_metrics))
    info = "".join(f"<tr><td>{escape(what)}</td><td>{escape(value)}</td></tr>"
                   for what, value in run_info(run_dir))
    sections.append(f'<h2>Run</h2><table class="runinfo"><tbody>{info}</tbody></table>')

    sections.append("<h2>Final metrics</h2>")
    if final_metrics:
        sections.append(_table(("metric", "value"), sorted(final_metrics.items())))
    else:
        sections.append('<p class="note">No final metrics (metrics.json is missing or unreadable).</p>')

    sections.append("<h2>Training curves</h2>")
    metric_records = [record for record in records if "event" not in record]
    families = curve_families(metric_records)
    if families:
        plot_curves(metric_records, run_dir / "curves.png")
        sections.append('<img src="curves.png" alt="training curves">')
        logged = log_scale_families(families)
        if logged:
            sections.append(f'<p class="note">On a log scale (their terms differ by orders of '
                            f'magnitude): {escape(", ".join(logged))}.</p>')
    else:
        sections.append('<p class="note">No numeric metrics logged in metrics.jsonl.</p>')
    if skipped_lines:
        sections.append(f'<p class="note">Skipped {skipped_lines} unreadable line(s) of metrics.jsonl.</p>')

    em_switches = [record for record in records if record.get("event") == "em_switch"]
    if em_switches:
        sections.append("<h2>EM schedule</h2>")
        sections.append(_table(EM_COLUMNS, [tuple(record.get(key, "") for key in EM_COLUMNS) for record in em_switches]))

    samples = sorted((run_dir / "samples").glob("*.png"))
    if samples:
        sections.append("<h2>Samples</h2>")
        for sample in samples:
            source = escape(f"samples/{quote(sample.name)}")
            sections.append(
                f'<figure><img src="{source}" alt="{escape(sample.name)}"><figcaption>{escape(sample.name)}</figcaption></figure>'
            )

    write_tensorboard_summary(run_dir, config, final_metrics, samples)

    sections.append("<h2>Configuration</h2>")
    sections.append(f"<pre>{escape(config_text)}</pre>")

    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )
    path = run_dir / "report.html"
    with atomic_output(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
