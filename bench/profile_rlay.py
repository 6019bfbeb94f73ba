"""Profile rlay's step (py-spy, both processes): see rlaybench/profile.py.

Usage: python bench/profile_rlay.py --payload cartpole [--mode ClientEnv] [--transport unix]
       python bench/profile_rlay.py --loopback --payload large --rate 1000
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rlaybench.profile import main

if __name__ == "__main__":
    sys.exit(main())
