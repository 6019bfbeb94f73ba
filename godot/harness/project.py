"""Assemble a Godot project from godot/ into a .pck and run it in the web engine.

    python godot/harness/project.py build tests      # -> godot/.build/tests.pck
    python godot/harness/project.py test             # build and run the GDScript tests
    python godot/harness/project.py test -- --only=vectors

A project is ``addons/rlay`` plus one folder of ours (``tests``, ``peer``,
``sample``) with its main scene, a ``project.godot`` written here and the
``.godot/global_script_class_cache.cfg`` the engine needs to resolve
``class_name`` scripts (without it such a script fails to parse and the run
hangs). The tests also get the golden vectors of conformance/vectors.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GODOT = HERE.parent
ROOT = GODOT.parent
BUILD = GODOT / ".build"
VECTORS = ROOT / "conformance" / "vectors"
sys.path.insert(0, str(HERE))

from pck import write_pack

# Project -> (folders packed besides addons/rlay, main scene, extra project settings).
PROJECTS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "tests": (("tests", "peer", "sample"), "res://tests/run_tests.tscn", ""),
    "peer": (("peer",), "res://peer/peer.tscn", ""),
    "sample": (
        ("sample",),
        "res://sample/cartpole.tscn",
        # One physics frame is one CartPole step of tau = 0.02 s; Gymnasium's 600 x 400.
        (
            "\n[physics]\n\ncommon/physics_ticks_per_second=50\n"
            "\n[display]\n\nwindow/size/viewport_width=600\nwindow/size/viewport_height=400\n"
        ),
    ),
}
# What a project folder contributes to the pack.
PACKED_SUFFIXES = (".gd", ".tscn", ".tres", ".cfg", ".txt", ".json")
_CLASS_NAME = re.compile(r"^class_name\s+(\w+)", re.MULTILINE)
_EXTENDS = re.compile(r"^extends\s+(\w+)", re.MULTILINE)


def project_godot(name: str, main_scene: str, extra: str) -> bytes:
    text = (
        "config_version=5\n\n[application]\n\n"
        f'config/name="rlay {name}"\nrun/main_scene="{main_scene}"\n'
        'config/features=PackedStringArray("4.6")\n\n'
        '[rendering]\n\nrenderer/rendering_method="gl_compatibility"\n'
        'renderer/rendering_method.mobile="gl_compatibility"\n' + extra
    )
    return text.encode("utf-8")


def class_cache(scripts: dict[str, bytes]) -> bytes:
    """The global script class list the editor would write for these scripts."""
    entries = []
    for path, source in sorted(scripts.items()):
        text = source.decode("utf-8")
        found = _CLASS_NAME.search(text)
        if not found:
            continue
        base = _EXTENDS.search(text)
        entries.append(
            "{\n"
            f'"base": &"{base.group(1) if base else "RefCounted"}",\n'
            f'"class": &"{found.group(1)}",\n'
            '"icon": "",\n"is_abstract": false,\n"is_tool": false,\n'
            f'"language": &"GDScript",\n"path": "res://{path}"\n}}'
        )
    return ("list=[" + ", ".join(entries) + "]\n").encode("utf-8")


def collect(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in PACKED_SUFFIXES:
            files[str(path.relative_to(GODOT))] = path.read_bytes()
    return files


def vector_files() -> dict[str, bytes]:
    files = {}
    index = []
    for binpb in sorted(VECTORS.glob("*.binpb")):
        meta = json.loads(binpb.with_suffix(".json").read_text(encoding="utf-8"))
        files[f"vectors/{binpb.name}"] = binpb.read_bytes()
        index.append(f"{binpb.stem} {meta['message']}")
    files["vectors/index.txt"] = ("\n".join(index) + "\n").encode("utf-8")
    return files


def build(name: str) -> Path:
    folders, main_scene, extra = PROJECTS[name]
    files = collect(GODOT / "addons" / "rlay")
    for folder in folders:
        files.update(collect(GODOT / folder))
    if name == "tests":
        files.update(vector_files())
    files["project.godot"] = project_godot(name, main_scene, extra)
    files[".godot/global_script_class_cache.cfg"] = class_cache(
        {path: data for path, data in files.items() if path.endswith(".gd")}
    )
    return write_pack(files, BUILD / f"{name}.pck")


def run(pck: Path, user_args: list[str], timeout: float, query: list[str] = ()) -> int:
    """Run a pack in the engine (godot/harness/engine.mjs); its exit code."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit(
            "node not found: the harness drives Chromium with playwright-core"
        )
    command = [
        node,
        str(HERE / "engine.mjs"),
        "run",
        "--pck",
        str(pck),
        "--timeout",
        str(timeout),
    ]
    for argument in ["--", *user_args] if user_args else []:
        command += ["--arg", argument]
    for pair in query:
        command += ["--query", pair]
    return subprocess.run(command, check=False, timeout=timeout + 120).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build_parser = sub.add_parser("build", help="write godot/.build/<project>.pck")
    build_parser.add_argument("project", choices=sorted(PROJECTS))
    test_parser = sub.add_parser(
        "test", help="build and run the GDScript tests in the engine"
    )
    test_parser.add_argument("user_args", nargs="*", help="arguments for the tests")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build(args.project))
        return 0
    code = run(build("tests"), args.user_args, timeout=90.0)
    print(f"GDScript tests in the Godot web engine: exit code {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
