"""Run one workload once: `python benchmarks/entry.py "W1 calls" 1.0` (for Scalene and
/usr/bin/time, which profile whole programs)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workloads import ACCURACY, WORKLOADS

if __name__ == "__main__":
    (WORKLOADS | ACCURACY)[sys.argv[1]].prepare(float(sys.argv[2]))()
