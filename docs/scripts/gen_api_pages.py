"""Generate one API reference page per module of the cyclekit package (mkdocs-gen-files).

The pages are written at build time from the package tree as it is, so moving, adding or
removing a module needs no change here: every ``cyclekit/**/*.py`` becomes
``api/<dotted/path>.md`` holding one ``::: cyclekit.<module>`` directive, and
``api/SUMMARY.md`` is the literate navigation of them.
"""

from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cyclekit"

nav = mkdocs_gen_files.Nav()
for path in sorted(PACKAGE.rglob("*.py")):
    module = path.relative_to(ROOT).with_suffix("")
    parts = tuple(module.parts)
    if "__pycache__" in parts or parts[-1] == "__main__":
        continue
    page = Path(*parts).with_suffix(".md")
    if parts[-1] == "__init__":
        parts = parts[:-1]
        page = Path(*parts, "index.md")
    if any(part.startswith("_") for part in parts):
        continue  # private modules are documented through the public ones
    # A folder without __init__.py is not a package: skip what Python cannot import by name.
    if any(not (ROOT.joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))):
        continue
    nav[parts] = page.as_posix()
    with mkdocs_gen_files.open(Path("api", page), "w") as handle:
        handle.write(f"# `{'.'.join(parts)}`\n\n::: {'.'.join(parts)}\n")
    mkdocs_gen_files.set_edit_path(Path("api", page), path.relative_to(ROOT))

with mkdocs_gen_files.open("api/SUMMARY.md", "w") as handle:
    handle.writelines(nav.build_literate_nav())
