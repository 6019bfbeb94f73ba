#!/usr/bin/env python3
"""Regenerate every binding's protocol code from proto/rlay/v1.

    python codegen/generate.py           # write the generated files
    python codegen/generate.py --check   # fail when the committed files are stale

The engine bindings' codecs come from protoc-gen-rlay; for each backend this runs::

    python -m grpc_tools.protoc -Iproto --plugin=protoc-gen-rlay=codegen/protoc-gen-rlay \\
        --rlay_out=lang=LANG:OUT_DIR proto/rlay/v1/*.proto

The Python package's code comes from protoc's own Python generators and the gRPC
plugin that grpcio-tools bundles (the package depends on protobuf anyway).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "codegen" / "protoc-gen-rlay"
PROTO_ROOT = ROOT / "proto"

# Backend name -> the folder (relative to the repository) its files are committed in.
OUTPUTS: dict[str, str] = {
    "python": "python/src/rlay/v1",
    "csharp": "csharp-unity/Runtime/Core/Generated",
    "cpp": "cpp-unreal/Source/RlayCore/Generated",
    "gdscript": "godot/addons/rlay/generated",
}

# Files in an output folder the generator does not own (Unity's .meta files,
# Godot's .uid files, the Python package marker).
IGNORED_SUFFIXES = (".meta", ".uid")
IGNORED_NAMES = ("__init__.py",)


def proto_files() -> list[str]:
    return sorted(
        str(p.relative_to(PROTO_ROOT))
        for p in (PROTO_ROOT / "rlay" / "v1").glob("*.proto")
    )


def run_protoc(lang: str, out_dir: Path) -> None:
    """Generate one backend's files into out_dir (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if lang == "python":
        run_python_protoc(out_dir)
        return
    protoc(
        lang,
        f"--plugin=protoc-gen-rlay={PLUGIN}",
        f"--rlay_out=lang={lang}:{out_dir}",
        *proto_files(),
    )


def run_python_protoc(out_dir: Path) -> None:
    """Python messages, type stubs and the gRPC service, flattened into out_dir."""
    with tempfile.TemporaryDirectory() as tmp:
        # protoc writes rlay/v1/*.py under its out root, after the proto paths.
        messages = [f"--python_out={tmp}", f"--pyi_out={tmp}", *proto_files()]
        protoc("python", *messages)
        protoc("python", f"--grpc_python_out={tmp}", "rlay/v1/service.proto")
        for path in sorted((Path(tmp) / "rlay" / "v1").iterdir()):
            shutil.copyfile(path, out_dir / path.name)


def protoc(lang: str, *args: str) -> None:
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I.", *args]
    result = subprocess.run(
        command, cwd=PROTO_ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"protoc failed for lang={lang}:\n{result.stderr.strip()}")


def owned_files(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file()
        and not p.name.endswith(IGNORED_SUFFIXES)
        and p.name not in IGNORED_NAMES
        # Bytecode that importing the package leaves (e.g. in Ray's worker processes).
        and "__pycache__" not in p.relative_to(folder).parts
    }


def stale_files(fresh: Path, committed: Path) -> list[str]:
    """Files that differ, are missing, or should no longer exist."""
    fresh_files, committed_files = owned_files(fresh), owned_files(committed)
    stale = sorted(committed_files - fresh_files)
    for name in sorted(fresh_files):
        if name not in committed_files or not filecmp.cmp(
            fresh / name, committed / name, shallow=False
        ):
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if committed output is stale"
    )
    args = parser.parse_args(argv)
    failed = False
    for lang, out in OUTPUTS.items():
        committed = ROOT / out
        if not args.check:
            for name in owned_files(committed):
                (committed / name).unlink()
            run_protoc(lang, committed)
            print(f"generated {lang} into {out}")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            run_protoc(lang, Path(tmp))
            stale = stale_files(Path(tmp), committed)
        if stale:
            failed = True
            print(
                f"{out} is stale ({', '.join(stale)}): run `python codegen/generate.py`"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
