"""Speed figures for boto_session_manager, as ratios against baselines measured in the same run.

Run ``python -m benchmarks`` (or ``nox -s bench``); ``--help`` lists the options. Nothing here
asserts a timing: the run prints a table of figures, baselines, ratios and targets.
"""

__all__: list[str] = []
