"""Relative links in the Markdown guides point at files that exist and headings that exist."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = [ROOT / "README.md", ROOT / "benchmarks" / "README.md",
          *sorted((ROOT / "docs").glob("**/*.md")),
          *sorted((ROOT / "benchmarks" / "results").glob("*/README.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def heading_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, in_code = set(), False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (match := re.match(r"#{1,6} (.+)", line)):
            found.add(heading_anchor(match.group(1)))
    return found


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in LINK.findall(path.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, fragment = target.partition("#")
        destination = (path.parent / file).resolve() if file else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif fragment and destination.suffix == ".md" and fragment not in anchors(destination):
            broken.append(f"{target}: no such heading")
    return broken


def test_heading_anchor_follows_github():
    assert heading_anchor("VADA on DANN, then DIRT-T: MNIST → MNIST-M above the bar") == \
        "vada-on-dann-then-dirt-t-mnist--mnist-m-above-the-bar"
    assert heading_anchor("`cyclekit predict`") == "cyclekit-predict"


def test_broken_links_are_found(tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text("# Top\n\n[ok](#top) [gone](#bottom) [file](missing.md) [web](https://x.org)\n")
    assert broken_links(guide) == ["#bottom: no such heading", "missing.md: no such file"]


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: str(path.relative_to(ROOT)))
def test_guide_links_resolve(guide):
    assert broken_links(guide) == []
