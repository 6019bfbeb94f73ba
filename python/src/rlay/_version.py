"""The package version, read from the installed distribution's metadata."""

from __future__ import annotations

from importlib import metadata

try:
    __version__: str = metadata.version("rlay")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "1.0.0"
