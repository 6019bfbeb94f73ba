"""The package version (tools/release/versions.py keeps it equal to the file VERSION).

A constant rather than ``importlib.metadata.version("rlay")``: importing
``importlib.metadata`` and scanning the installed distributions cost about 40 ms of
every ``import rlay``.
"""

from __future__ import annotations

__version__ = "1.0.0"
