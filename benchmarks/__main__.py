"""The benchmarks' one entry point.

    python -m benchmarks                  # the studies, one line each
    python -m benchmarks NAME [ARGS ...]  # run one: benchmarks/NAME.py (NAME --help: its options)

A study is a module of this folder with a ``main()``; its line is the first sentence of its
docstring. The shell scripts for a lent GPU (``NAME.sh`` with a ``#!`` line) run with bash,
from the repository root as they expect; ``lent_gpu.sh`` is their shared part, sourced by them.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDTH = 110


def _summary(text: str) -> str:
    """The first sentence of the first paragraph of ``text``, on one line."""
    paragraph = " ".join(text.strip().split("\n\n")[0].split()).replace("``", "")
    sentence = re.split(r"(?<=[.?!])\s", paragraph, maxsplit=1)[0]
    return textwrap.shorten(sentence, WIDTH, placeholder=" …")


def python_studies() -> dict[str, str]:
    """``{name: one line}`` for every module of this folder that has a top-level ``main``."""
    found = {}
    for path in sorted(HERE.glob("[!_]*.py")):
        tree = ast.parse(path.read_text(), str(path))
        if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
            found[path.stem] = _summary(ast.get_docstring(tree) or "")
    return found


def shell_studies() -> dict[str, str]:
    """``{name: one line}`` for every shell script of this folder that is run (a ``#!`` line);
    the line is its first comment."""
    found = {}
    for path in sorted(HERE.glob("*.sh")):
        lines = path.read_text().splitlines()
        if lines and lines[0].startswith("#!"):
            comment = []
            for line in lines[1:]:
                if not line.startswith("#") or line.strip() == "#":
                    break
                comment.append(line.lstrip("#").strip())
            found[path.stem] = _summary("\n".join(comment))
    return found


def listing() -> str:
    studies, scripts = python_studies(), shell_studies()
    width = max(map(len, [*studies, *scripts]))
    lines = ["Studies: python -m benchmarks NAME [ARGS ...] (NAME --help for its options)", ""]
    lines += [f"  {name:<{width}}  {line}" for name, line in studies.items()]
    lines += ["", "On a lent GPU machine, from the repository root: python -m benchmarks NAME "
              "runs bash benchmarks/NAME.sh", ""]
    lines += [f"  {name:<{width}}  {line}" for name, line in scripts.items()]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help", "--list"):
        print(listing())
        return
    name, arguments = argv[0], argv[1:]
    if name in python_studies():
        sys.argv = [f"python -m benchmarks {name}", *arguments]
        importlib.import_module(f"benchmarks.{name}").main()
    elif name in shell_studies():
        os.execvp("bash", ["bash", str(HERE / f"{name}.sh"), *arguments])
    else:
        raise SystemExit(f"benchmarks: no study {name!r}; `python -m benchmarks` lists them")


if __name__ == "__main__":
    main(sys.argv[1:])
