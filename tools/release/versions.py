#!/usr/bin/env python3
"""The release version: one number in the file VERSION, copied into every manifest.

Each ecosystem reads its version from its own manifest (pyproject.toml, the Unity
package.json, the Unreal .uplugin, the Godot plugin.cfg), so the number is written into
each of them by ``set`` and held equal to VERSION by ``check``; CHANGELOG.md must have
a section for it::

    python tools/release/versions.py check          # exit 1 and name each manifest that differs
    python tools/release/versions.py set 1.1.0      # write VERSION and every manifest
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION_FILE = ROOT / "VERSION"
CHANGELOG = ROOT / "CHANGELOG.md"
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")


def read_version() -> str:
    """The release version, from VERSION."""
    version = VERSION_FILE.read_text(encoding="utf-8").strip()
    if not _SEMVER.match(version):
        raise ValueError(f"VERSION holds {version!r}, not a semantic version")
    return version


@dataclass(frozen=True)
class Manifest:
    """A file that carries the version, and how to read and write it there."""

    path: str
    pattern: str  # a regex whose group 1 is the version

    def _file(self) -> Path:
        return ROOT / self.path

    def exists(self) -> bool:
        return self._file().exists()

    def read(self) -> str | None:
        match = re.search(self.pattern, self._file().read_text(encoding="utf-8"), re.MULTILINE)
        return match.group(1) if match else None

    def write(self, version: str) -> None:
        text = self._file().read_text(encoding="utf-8")
        new, count = re.subn(
            self.pattern,
            lambda m: m.group(0).replace(m.group(1), version),
            text,
            count=1,
            flags=re.MULTILINE,
        )
        if count != 1:
            raise ValueError(f"{self.path}: no version found to replace")
        self._file().write_text(new, encoding="utf-8")


MANIFESTS = [
    Manifest("python/pyproject.toml", r'^version = "([^"]+)"'),
    # What `rlay.__version__` and `rlay --version` say.
    Manifest("python/src/rlay/_version.py", r'^__version__ = "([^"]+)"'),
    Manifest("csharp-unity/package.json", r'^  "version": "([^"]+)"'),
    Manifest("cpp-unreal/Rlay.uplugin", r'"VersionName": "([^"]+)"'),
    Manifest("godot/addons/rlay/plugin.cfg", r'^version="([^"]+)"'),
]


def changelog_problems(version: str) -> list[str]:
    """CHANGELOG.md follows Keep a Changelog and has a dated section for ``version``."""
    text = CHANGELOG.read_text(encoding="utf-8")
    problems = []
    if "## [Unreleased]" not in text:
        problems.append("CHANGELOG.md has no '## [Unreleased]' section")
    if not re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M):
        problems.append(f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section")
    return problems


def problems() -> list[str]:
    """Every place whose version differs from VERSION (absent bindings are skipped)."""
    version = read_version()
    found = changelog_problems(version)
    for manifest in MANIFESTS:
        if not manifest.exists():
            continue
        value = manifest.read()
        if value != version:
            found.append(f"{manifest.path}: version {value!r}, VERSION says {version!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="every manifest equals VERSION")
    setter = commands.add_parser("set", help="write VERSION and every manifest")
    setter.add_argument("version")
    args = parser.parse_args(argv)
    actions: dict[str, Callable[[], int]] = {
        "check": lambda: _check(),
        "set": lambda: _set(args.version),
    }
    return actions[args.command]()


def _check() -> int:
    found = problems()
    for problem in found:
        print(f"versions: {problem}", file=sys.stderr)
    if not found:
        present = [m.path for m in MANIFESTS if m.exists()]
        print(f"versions: {read_version()} in VERSION, {', '.join(present)}")
    return 1 if found else 0


def _set(version: str) -> int:
    if not _SEMVER.match(version):
        print(f"versions: {version!r} is not a semantic version", file=sys.stderr)
        return 2
    VERSION_FILE.write_text(version + "\n", encoding="utf-8")
    for manifest in MANIFESTS:
        if manifest.exists():
            manifest.write(version)
    print(f"versions: set {version}; add its section to CHANGELOG.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
