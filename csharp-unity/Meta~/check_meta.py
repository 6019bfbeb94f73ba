#!/usr/bin/env python3
"""Check (or create) the Unity `.meta` file of every asset in the package.

Unity imports a package added from a git URL into the read-only
`Library/PackageCache`. There it cannot write `.meta` files, so every file and
folder it imports must ship one, and each GUID must stay the same from release
to release: scenes and prefabs in users' projects refer to scripts by GUID.

Unity ignores (and so this script skips) names that start with `.`, end with
`~`, are `cvs`, or end with `.tmp`; `Samples~/` and `Tools~/` therefore need no
`.meta` files (Unity gives samples fresh ones when it copies them into Assets/).

Usage:
    python csharp-unity/Meta~/check_meta.py            # check; exit 1 on a problem
    python csharp-unity/Meta~/check_meta.py --fix      # create missing, delete orphaned

A created `.meta` gets a GUID derived from its path (uuid5), so two people who
run `--fix` on the same tree create byte-identical files.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "com.farama.rlay"
GUID_LINE = re.compile(r"^guid: ([0-9a-f]{32})\s*$", re.MULTILINE)

_TAIL = "  externalObjects: {}\n  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
# Importer section per extension; Unity writes the same defaults for new assets.
_IMPORTERS = {
    ".cs": (
        "MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n"
        "  defaultReferences: []\n  executionOrder: 0\n  icon: {instanceID: 0}\n"
        "  userData: \n  assetBundleName: \n  assetBundleVariant: \n"
    ),
    ".asmdef": "AssemblyDefinitionImporter:\n" + _TAIL,
    ".asmref": "AssemblyDefinitionReferenceImporter:\n" + _TAIL,
    ".md": "TextScriptImporter:\n" + _TAIL,
    ".txt": "TextScriptImporter:\n" + _TAIL,
    ".json": "TextScriptImporter:\n" + _TAIL,
    ".xml": "TextScriptImporter:\n" + _TAIL,
    ".bytes": "TextScriptImporter:\n" + _TAIL,
}


def ignored(name: str) -> bool:
    """Whether Unity skips this file or folder name when importing."""
    return (
        name.startswith(".")
        or name.endswith("~")
        or name.lower() == "cvs"
        or name.endswith(".tmp")
    )


def assets(root: Path) -> list[Path]:
    """Every file and folder Unity imports under root (root itself excluded)."""
    found: list[Path] = []
    for child in sorted(root.iterdir()):
        if ignored(child.name) or child.suffix == ".meta":
            continue
        found.append(child)
        if child.is_dir():
            found.extend(assets(child))
    return found


def orphans(root: Path) -> list[Path]:
    """`.meta` files whose asset is gone (Unity warns about them and drops them)."""
    found: list[Path] = []
    for child in sorted(root.iterdir()):
        if ignored(child.name):
            continue
        if child.is_dir():
            found.extend(orphans(child))
        elif child.suffix == ".meta" and not child.with_suffix("").exists():
            found.append(child)
    return found


def guid_for(asset: Path) -> str:
    """A GUID that depends only on the asset's path inside the package."""
    relative = asset.relative_to(PACKAGE).as_posix()
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{PACKAGE_NAME}/{relative}").hex


def meta_text(asset: Path) -> str:
    head = f"fileFormatVersion: 2\nguid: {guid_for(asset)}\n"
    if asset.is_dir():
        return head + "folderAsset: yes\nDefaultImporter:\n" + _TAIL
    if asset.name == "package.json":
        return head + "PackageManifestImporter:\n" + _TAIL
    return head + _IMPORTERS.get(asset.suffix.lower(), "DefaultImporter:\n" + _TAIL)


def meta_path(asset: Path) -> Path:
    return asset.with_name(asset.name + ".meta")


def problems(root: Path) -> list[str]:
    """Every missing, orphaned, malformed or duplicated `.meta` under root."""
    found: list[str] = []
    seen: dict[str, Path] = {}
    for asset in assets(root):
        meta = meta_path(asset)
        relative = asset.relative_to(PACKAGE).as_posix()
        if not meta.exists():
            found.append(f"missing: {relative}.meta")
            continue
        match = GUID_LINE.search(meta.read_text(encoding="utf-8"))
        if match is None:
            found.append(f"no valid guid: {relative}.meta")
            continue
        guid = match.group(1)
        if guid in seen:
            other = seen[guid].relative_to(PACKAGE).as_posix()
            found.append(f"duplicate guid {guid}: {relative}.meta and {other}.meta")
        seen[guid] = asset
    for meta in orphans(root):
        found.append(f"orphaned: {meta.relative_to(PACKAGE).as_posix()}")
    return found


def fix(root: Path) -> list[str]:
    """Create missing `.meta` files and delete orphaned ones; return what changed."""
    changed: list[str] = []
    for meta in orphans(root):
        meta.unlink()
        changed.append(f"deleted {meta.relative_to(PACKAGE).as_posix()}")
    for asset in assets(root):
        meta = meta_path(asset)
        if not meta.exists():
            meta.write_text(meta_text(asset), encoding="utf-8", newline="\n")
            changed.append(f"created {meta.relative_to(PACKAGE).as_posix()}")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="create missing, delete orphaned")
    parser.add_argument(
        "paths",
        nargs="*",
        help="limit to these folders or files inside the package (default: all of it)",
    )
    args = parser.parse_args(argv)
    roots = [Path(p).resolve() for p in args.paths] or [PACKAGE]
    if args.fix:
        for root in roots:
            for line in _fix_one(root):
                print(line)
    found = [line for root in roots for line in _problems_one(root)]
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(
            f"{len(found)} .meta problem(s); run: python csharp-unity/Meta~/check_meta.py --fix",
            file=sys.stderr,
        )
        return 1
    where = ", ".join(r.relative_to(PACKAGE.parent).as_posix() for r in roots)
    print(f"meta files ok: {where}")
    return 0


def _fix_one(root: Path) -> list[str]:
    if root.is_dir():
        return fix(root) + ([] if root == PACKAGE else _fix_file(root))
    return _fix_file(root)


def _fix_file(asset: Path) -> list[str]:
    """A single named asset (and, for a nested one, its parent folders)."""
    changed: list[str] = []
    if PACKAGE not in asset.parents or any(
        ignored(part) for part in asset.relative_to(PACKAGE).parts
    ):
        return changed
    chain = [asset, *asset.parents]
    for item in reversed(chain[: chain.index(PACKAGE)]):
        meta = meta_path(item)
        if not meta.exists():
            meta.write_text(meta_text(item), encoding="utf-8", newline="\n")
            changed.append(f"created {meta.relative_to(PACKAGE).as_posix()}")
    return changed


def _problems_one(root: Path) -> list[str]:
    found = [] if root == PACKAGE or meta_path(root).exists() else [
        f"missing: {root.relative_to(PACKAGE).as_posix()}.meta"
    ]
    if root.is_dir():
        found.extend(problems(root))
    return found


if __name__ == "__main__":
    sys.exit(main())
