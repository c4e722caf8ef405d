"""Static, self-contained HTML report of one training run directory."""

import json
import math
from html import escape
from pathlib import Path
from urllib.parse import quote

import yaml

from cyclekit.atomic import atomic_output
from cyclekit.errors import ConfigError
from cyclekit.viz.curves import curve_families, plot_curves

EM_COLUMNS = ("step", "phase", "inner_steps", "reason")

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


def _title(config: dict) -> str:
    strategy = config.get("strategy")
    strategy_name = strategy.get("name") if isinstance(strategy, dict) else strategy
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    parts = [config.get("method"), strategy_name]
    if data.get("x") is not None or data.get("y") is not None:
        parts.append(f"{data.get('x', '?')} \u2194 {data.get('y', '?')}")
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


def write_report(run_dir: str | Path) -> Path:
    """Build ``run_dir/report.html`` (and ``run_dir/curves.png``) from the run's files; return the report path.

    Reads config.yaml (required), metrics.json, metrics.jsonl and samples/*.png
    (each optional). Records with an ``"event"`` key are not plotted; those with
    event ``"em_switch"`` form the EM log table. Images are referenced by
    relative paths, so the directory can be moved or archived as a whole.
    """
    run_dir = Path(run_dir)
    config_text, config = _read_config(run_dir)
    final_metrics = _read_final_metrics(run_dir)
    records, skipped_lines = _read_records(run_dir)
    title = _title(config)
    sections = [f"<h1>{escape(title)}</h1>", f'<p class="subtitle">{escape(run_dir.resolve().name)}</p>']

    sections.append("<h2>Final metrics</h2>")
    if final_metrics:
        sections.append(_table(("metric", "value"), sorted(final_metrics.items())))
    else:
        sections.append('<p class="note">No final metrics (metrics.json is missing or unreadable).</p>')

    sections.append("<h2>Training curves</h2>")
    metric_records = [record for record in records if "event" not in record]
    if curve_families(metric_records):
        plot_curves(metric_records, run_dir / "curves.png")
        sections.append('<img src="curves.png" alt="training curves">')
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
