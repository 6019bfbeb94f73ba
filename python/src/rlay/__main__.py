"""``python -m rlay``: the command-line interface (see :mod:`rlay.cli`)."""

from __future__ import annotations

import sys

from rlay.cli import main

if __name__ == "__main__":
    sys.exit(main())
