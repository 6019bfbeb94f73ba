"""Create the benchmark virtualenvs under bench/.venvs/ (idempotent).

Usage: python bench/setup_venvs.py [NAME ...] [--force]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rlaybench.venvs import main

if __name__ == "__main__":
    sys.exit(main())
