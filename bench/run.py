"""Run the side-by-side benchmarks and write bench/results/.

Usage (from the repository root):
    python bench/run.py            full run (~10 min): results in bench/results/
    python bench/run.py --quick    smoke run (<2 min): results in bench/results/quick/
    python bench/run.py --runs 3   three interleaved passes, each row the median (~30 min)
Options: --only REGEX (cases whose "system/mode/transport/payload" matches),
--no-peers (skip the peers' virtualenvs), --out DIR, --reps N, --rep-seconds S,
--runs N.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rlaybench.runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
