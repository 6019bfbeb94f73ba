#!/usr/bin/env python3
"""Build the engine plugin archives and check every release artifact in a folder.

    python tools/release/artifacts.py zips dist      # the Unreal plugin and Godot addon zips
    python tools/release/artifacts.py check dist     # every artifact: layout and version

The Python sdist and wheel come from ``python -m build`` and the Unity tarball from
``npm pack`` (see the ``dist`` session of noxfile.py); this module builds the two zips,
which have no packaging tool of their own, and then opens each artifact the way its
ecosystem would and checks what it finds against the one version in VERSION. An engine
binding whose manifest is not in the tree yet has no artifact and is reported as such.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

from versions import ROOT, read_version

UNREAL = ROOT / "cpp-unreal"
UNREAL_MANIFEST = UNREAL / "Rlay.uplugin"
# What an Unreal plugin folder holds (the sample is copied into games from there); the CMake
# tests, fuzz target, tools and peer stay out.
UNREAL_PARTS = (
    "Rlay.uplugin",
    "Source/",
    "Resources/",
    "Config/",
    "Content/",
    "Samples/",
    "README.md",
)
GODOT_ADDON = ROOT / "godot" / "addons" / "rlay"
UNITY = ROOT / "csharp-unity"
UNITY_NAME = "com.farama.rlay"


def tracked(folder: Path) -> list[Path]:
    """The files of ``folder`` under version control (no build outputs, no caches)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--", str(folder.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(ROOT / name for name in listing.split("\0") if name)


def build_unreal_zip(out: Path, version: str) -> Path | None:
    """``Rlay-<version>-unreal.zip``: a ``Rlay/`` plugin folder, for ``Plugins/`` of a project."""
    if not UNREAL_MANIFEST.exists():
        return None
    target = out / f"Rlay-{version}-unreal.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in tracked(UNREAL):
            relative = path.relative_to(UNREAL).as_posix()
            if relative.startswith(UNREAL_PARTS):
                archive.write(path, f"Rlay/{relative}")
        archive.write(ROOT / "LICENSE", "Rlay/LICENSE")
    return target


def build_godot_zip(out: Path, version: str) -> Path | None:
    """``rlay-<version>-godot.zip``: ``addons/rlay/``, as the Godot Asset Library expects."""
    if not (GODOT_ADDON / "plugin.cfg").exists():
        return None
    target = out / f"rlay-{version}-godot.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in tracked(GODOT_ADDON):
            archive.write(path, f"addons/rlay/{path.relative_to(GODOT_ADDON).as_posix()}")
        if not (GODOT_ADDON / "LICENSE").exists():
            archive.write(ROOT / "LICENSE", "addons/rlay/LICENSE")
    return target


# --------------------------------------------------------------------------- checks


def check_wheel(path: Path, version: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"rlay-{version}.dist-info/METADATA").decode()
        entry_points = archive.read(f"rlay-{version}.dist-info/entry_points.txt").decode()
    problems = _version_line(metadata, "Version: ", version, path.name)
    for needed in ("rlay/__init__.py", "rlay/py.typed", "rlay/v1/session_pb2.py", "rlay/cli.py"):
        if needed not in names:
            problems.append(f"{path.name}: {needed} is missing")
    if "rlay = rlay.cli:main" not in entry_points:
        problems.append(f"{path.name}: no `rlay` console script")
    return problems


def check_sdist(path: Path, version: str) -> list[str]:
    with tarfile.open(path) as archive:
        top = f"rlay-{version}"
        member = archive.extractfile(f"{top}/PKG-INFO")
        if member is None:
            return [f"{path.name}: no PKG-INFO"]
        problems = _version_line(member.read().decode(), "Version: ", version, path.name)
        names = set(archive.getnames())
    for needed in ("pyproject.toml", "src/rlay/__init__.py", "LICENSE"):
        if f"{top}/{needed}" not in names:
            problems.append(f"{path.name}: {needed} is missing")
    return problems


def check_unity(path: Path, version: str) -> list[str]:
    """The UPM tarball: manifest, the package's folders, and a .meta beside every asset."""
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(path) as archive:
            archive.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
        problems = []
        if manifest.get("name") != UNITY_NAME:
            problems.append(f"{path.name}: package name {manifest.get('name')!r}")
        if manifest.get("version") != version:
            problems.append(f"{path.name}: version {manifest.get('version')!r}, not {version}")
        for folder in ("Runtime", "Editor", "Samples~"):
            if not (package / folder).is_dir():
                problems.append(f"{path.name}: {folder}/ is missing")
        for sample in manifest.get("samples", []):
            if not (package / sample["path"]).is_dir():
                problems.append(f"{path.name}: sample folder {sample['path']} is missing")
        # Unity can write no .meta into a package: each one must ship, and match.
        meta = _check_meta_module()
        meta.PACKAGE = package
        problems += [f"{path.name}: {problem}" for problem in meta.problems(package)]
        shipped = {p.relative_to(package).as_posix() for p in meta.assets(package)}
        expected = {p.relative_to(UNITY).as_posix() for p in meta.assets(UNITY)}
        problems += [f"{path.name}: {name} is not in the tarball" for name in expected - shipped]
    return problems


def check_unreal(path: Path, version: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        descriptor = json.loads(archive.read("Rlay/Rlay.uplugin"))
    problems = []
    if descriptor.get("VersionName") != version:
        problems.append(f"{path.name}: VersionName {descriptor.get('VersionName')!r}")
    for module in descriptor.get("Modules", []):
        build = f"Rlay/Source/{module['Name']}/{module['Name']}.Build.cs"
        if build not in names:
            problems.append(f"{path.name}: module {module['Name']} has no {build}")
    if not descriptor.get("Modules"):
        problems.append(f"{path.name}: the .uplugin declares no modules")
    return problems


def check_godot(path: Path, version: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        config = archive.read("addons/rlay/plugin.cfg").decode()
    problems = _version_line(config, 'version="', version, path.name, end='"')
    script = re.search(r'^script="([^"]+)"', config, re.MULTILINE)
    if script is None or f"addons/rlay/{script.group(1)}" not in names:
        problems.append(f"{path.name}: plugin.cfg names no script that the zip holds")
    return problems


def _version_line(text: str, prefix: str, version: str, name: str, end: str = "") -> list[str]:
    for line in text.splitlines():
        if line.startswith(prefix):
            found = line[len(prefix) :].removesuffix(end)
            return [] if found == version else [f"{name}: version {found!r}, not {version}"]
    return [f"{name}: no version"]


def _check_meta_module() -> ModuleType:
    """csharp-unity/Meta~/check_meta.py, the package's own .meta rules, loaded by path."""
    spec = importlib.util.spec_from_file_location("check_meta", UNITY / "Meta~" / "check_meta.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# (what, file name pattern, checker, whether its binding is in the tree)
ARTIFACTS: list[tuple[str, str, Callable[[Path, str], list[str]], Callable[[], bool]]] = [
    ("Python wheel", "rlay-{v}-py3-none-any.whl", check_wheel, lambda: True),
    ("Python sdist", "rlay-{v}.tar.gz", check_sdist, lambda: True),
    ("Unity package", f"{UNITY_NAME}-{{v}}.tgz", check_unity, lambda: True),
    ("Unreal plugin", "Rlay-{v}-unreal.zip", check_unreal, UNREAL_MANIFEST.exists),
    ("Godot addon", "rlay-{v}-godot.zip", check_godot, (GODOT_ADDON / "plugin.cfg").exists),
]


def check(folder: Path) -> int:
    version = read_version()
    failed = False
    for what, pattern, checker, present in ARTIFACTS:
        path = folder / pattern.format(v=version)
        if not present():
            print(f"  {what:<14} -  (not in this tree)")
            continue
        if not path.exists():
            print(f"  {what:<14} MISSING {path.name}", file=sys.stderr)
            failed = True
            continue
        problems = checker(path, version)
        size = path.stat().st_size
        status = "ok" if not problems else "FAILED"
        print(f"  {what:<14} {status}  {path.name} ({size / 1024:,.0f} KiB)")
        for problem in problems:
            print(f"      {problem}", file=sys.stderr)
        failed = failed or bool(problems)
    print(f"release {version}: {'FAILED' if failed else 'every artifact carries it'}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["zips", "check"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    if args.command == "check":
        return check(args.folder)
    version = read_version()
    for build in (build_unreal_zip, build_godot_zip):
        made = build(args.folder, version)
        if made is not None:
            print(f"built {made.relative_to(ROOT) if made.is_relative_to(ROOT) else made}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
