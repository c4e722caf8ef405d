"""cyclekit's benchmarks and studies: one module a study, run as ``python -m benchmarks NAME``.

``python -m benchmarks`` lists the studies. Shared by them: ``launch`` (``cyclekit`` runs in a
subprocess or in this process, timed and resumable), ``results_table`` (the JSON result and its
Markdown table), ``arguments`` (the command-line options they have in common), ``preset_runs``
(collecting and summarising preset runs) and ``paired_steps`` (two builds of one setup checked
and timed side by side).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository
