"""MkDocs hook: the site shows the repository's Markdown the way GitHub does.

The guides in ``docs/`` link to files outside it (study records under
``benchmarks/results/``, ``benchmarks/README.md``) with ordinary relative paths, so the links
work on GitHub and in ``tests/test_docs_links.py``. MkDocs only knows files inside
``docs_dir``; this hook

* serves ``README.md`` as the site's home page (``index.md``);
* adds every repository file such a link reaches (followed from page to page) to the site
  under its repository path (``benchmarks/results/acc.md`` stays
  ``benchmarks/results/acc.md``; ``docs/x.md`` is ``x.md``), and a listing page for a link to
  a folder that has no ``README.md``;
* rewrites each relative link to the place its target has on the site.

A link whose target does not exist is left alone in the guides and study records
(``docs/``, ``README.md`` files), so ``mkdocs build --strict`` still reports it. Result files
that the benchmark scripts write (any other ``.md`` under ``benchmarks/``) are data, not
guides: a link of theirs to a file the repository does not hold (a figure drawn to a scratch
folder) is shown as text. Cross-reference warnings of mkdocs-autorefs for targets that start
with ``-`` (command-line options in usage text of a docstring, never a Python name) are
dropped, and Sphinx roles in docstrings (``:class:`~a.b.C` ``) are shown as the code they
name (``C``) on the API pages.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

LINK = re.compile(r"(\]\()([^)\s]+)(\))")
FENCE = re.compile(r"^(```|~~~)")
SKIP = ("http://", "https://", "mailto:", "#", "/")

SPHINX_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):<code>(~?)([^<]*)</code>")
IMAGE_OR_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")

_state: dict = {}


class _OptionTargets(logging.Filter):
    """Drop autorefs' 'Could not find cross-reference target' for '--option' targets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not re.search(r"Could not find cross-reference target '-", message)


def on_config(config):
    for name in list(logging.root.manager.loggerDict):
        if "mkdocs_autorefs" in name:
            logger = logging.getLogger(name)
            if not any(isinstance(f, _OptionTargets) for f in logger.filters):
                logger.addFilter(_OptionTargets())
    return config


def _is_record(real: Path, root: Path, docs: Path) -> bool:
    """A Markdown file a benchmark script wrote (not a guide or a study README)."""
    return (not real.is_relative_to(docs) and real.name != "README.md"
            and real.is_relative_to(root / "benchmarks"))


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _virtual(real: Path, root: Path, docs: Path) -> str | None:
    """Site path (relative to the docs root) of a repository file, or None if outside."""
    if real == root / "README.md":
        return "index.md"
    if real.is_relative_to(docs):
        return real.relative_to(docs).as_posix()
    if real.is_relative_to(root):
        return real.relative_to(root).as_posix()
    return None


def _links(text: str):
    """Relative link targets of a Markdown text, outside fenced code."""
    in_code = False
    for line in text.splitlines():
        if FENCE.match(line.lstrip()):
            in_code = not in_code
            continue
        if in_code:
            continue
        for match in LINK.finditer(line):
            target = match.group(2)
            if not target.startswith(SKIP):
                yield target


def _resolve(base_dir: Path, target: str) -> Path:
    file = target.partition("#")[0]
    return Path(os.path.normpath(base_dir / file))


def _folder_page(folder: Path, root: Path) -> Path | None:
    for name in ("README.md", "index.md"):
        if (folder / name).is_file():
            return folder / name
    return None


def on_files(files: Files, config) -> Files:
    root = _root(config)
    docs = Path(config.docs_dir).resolve()
    real_of: dict[str, Path] = {}   # site path -> real path (pages with a source file)
    listings: dict[str, str] = {}   # site path of a generated folder listing -> its Markdown
    queue: list[Path] = []

    for file in files:
        if file.abs_src_path and file.src_uri.endswith(".md"):
            real = Path(file.abs_src_path).resolve()
            if real.is_relative_to(root):
                real_of[file.src_uri] = real
                queue.append(real)

    def add(real: Path) -> None:
        virtual = _virtual(real, root, docs)
        if virtual is None or files.get_file_from_path(virtual) is not None:
            return
        files.append(File.generated(config, virtual, abs_src_path=str(real)))
        if virtual.endswith(".md"):
            real_of[virtual] = real
            queue.append(real)

    def add_folder(folder: Path) -> None:
        virtual = _virtual(folder, root, docs)
        if virtual is None:
            return
        page = f"{virtual}/index.md"
        if page in listings or files.get_file_from_path(page) is not None:
            return
        lines = [f"# `{virtual}/`", "", "Files of this folder in the repository:", ""]
        for child in sorted(folder.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_dir():
                add_folder(child)
                target = _folder_page(child, root)
                link = f"{child.name}/{target.name}" if target else f"{child.name}/index.md"
                lines.append(f"- [`{child.name}/`]({link})")
            else:
                add(child)
                lines.append(f"- [`{child.name}`]({child.name})")
        listings[page] = "\n".join(lines) + "\n"
        files.append(File.generated(config, page, content=listings[page]))

    if (root / "README.md").is_file() and files.get_file_from_path("index.md") is None:
        add(root / "README.md")

    while queue:
        real = queue.pop()
        for target in _links(real.read_text(encoding="utf-8")):
            destination = _resolve(real.parent, target)
            if not destination.exists() or not destination.is_relative_to(root):
                continue
            if destination.is_dir():
                page = _folder_page(destination, root)
                add(page) if page else add_folder(destination)
            else:
                add(destination)

    _state.update(root=root, docs=docs, real_of=real_of)
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    real = _state.get("real_of", {}).get(page.file.src_uri)
    if real is None:
        return markdown
    root, docs = _state["root"], _state["docs"]
    here = Path(page.file.src_uri).parent

    def rewrite(match: re.Match) -> str:
        target = match.group(2)
        if target.startswith(SKIP):
            return match.group(0)
        destination = _resolve(real.parent, target)
        if not destination.exists():
            return match.group(0)
        fragment = target.partition("#")[2]
        if destination.is_dir():
            page_file = _folder_page(destination, root)
            destination = page_file if page_file else destination / "index.md"
        virtual = _virtual(destination, root, docs)
        if virtual is None:
            return match.group(0)
        link = os.path.relpath(virtual, str(here))
        if fragment:
            link = f"{link}#{fragment}"
        return f"{match.group(1)}{Path(link).as_posix()}{match.group(3)}"

    def unlink_missing(match: re.Match) -> str:
        bang, text, target = match.groups()
        if target.startswith(SKIP) or _resolve(real.parent, target).exists():
            return match.group(0)
        return f"{text or 'figure'} (`{target}`, not in the repository)"

    record = _is_record(real, root, docs)
    out, in_code = [], False
    for line in markdown.splitlines(keepends=True):
        if FENCE.match(line.lstrip()):
            in_code = not in_code
        elif not in_code:
            if record:
                line = IMAGE_OR_LINK.sub(unlink_missing, line)
            line = LINK.sub(rewrite, line)
        out.append(line)
    return "".join(out)


def on_page_content(html: str, page, config, files) -> str:
    if not page.file.src_uri.startswith("api/"):
        return html

    def code(match: re.Match) -> str:
        tilde, name = match.groups()
        return f"<code>{name.rsplit('.', 1)[-1] if tilde else name}</code>"

    return SPHINX_ROLE.sub(code, html)
