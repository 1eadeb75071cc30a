"""What the notebooks work on: deterministic data (`data`) and a local JSON API (`api`).

Not part of the profiler: the teaching notebooks and the tests import these directly.
"""
