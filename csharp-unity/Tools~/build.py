#!/usr/bin/env python3
"""Build the C# core with mcs, run its NUnit tests under mono, build the conformance peer.

    python csharp-unity/Tools~/build.py              # everything; exit 1 on any failure
    python csharp-unity/Tools~/build.py --peer-only  # just Rlay.Core.dll + peer.exe (conformance)

Outputs go to csharp-unity/Tools~/build/. The C# is compiled as C# 7.2 (what Unity 2021.3
and Debian's mcs both accept) with warnings as errors. Missing mono tools are reported and
skipped, except when CI=true, where they are an error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
OUT = PACKAGE / "Tools~" / "build"
CORE_SOURCES = PACKAGE / "Runtime" / "Core"
TEST_SOURCES = PACKAGE / "Tests"
PEER_SOURCES = PACKAGE / "Tools~" / "ConformancePeer"
MCS_FLAGS = ["-langversion:7.2", "-warnaserror+", "-nowarn:1591", "-debug", "-nologo"]
NUNIT_DIRS = [Path("/usr/lib/cli/nunit.framework-2.6.3"), Path("/usr/lib/nunit")]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(tools: list[str]) -> bool:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return True
    message = f"missing {', '.join(missing)}: apt-get install mono-mcs mono-runtime nunit-console"
    if in_ci():
        raise SystemExit(f"error: {message}")
    print(f"skipped: {message}")
    return False


def sources(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.cs"))


def run(command: list[str], **kwargs: object) -> None:
    print("+ " + " ".join(command if len(command) < 12 else [*command[:8], "..."]), flush=True)
    result = subprocess.run(command, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {command[0]}")


def nunit_framework() -> Path:
    for folder in NUNIT_DIRS:
        candidate = folder / "nunit.framework.dll"
        if candidate.exists():
            return candidate
    raise SystemExit("nunit.framework.dll not found: apt-get install libnunit-cil-dev")


def build_core() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    core = OUT / "Rlay.Core.dll"
    run(["mcs", *MCS_FLAGS, "-target:library", f"-out:{core}", *sources(CORE_SOURCES)])
    return core


def build_peer(core: Path) -> Path:
    peer = OUT / "peer.exe"
    run(
        [
            "mcs",
            *MCS_FLAGS,
            "-target:exe",
            f"-out:{peer}",
            f"-r:{core}",
            "-r:Mono.Posix.dll",
            *sources(PEER_SOURCES),
        ]
    )
    return peer


def build_and_run_tests(core: Path) -> None:
    framework = nunit_framework()
    tests = OUT / "Rlay.Tests.dll"
    run(
        [
            "mcs",
            *MCS_FLAGS,
            "-target:library",
            f"-out:{tests}",
            f"-r:{core}",
            f"-r:{framework}",
            *sources(TEST_SOURCES),
        ]
    )
    shutil.copy(framework, OUT / framework.name)
    env = dict(os.environ, RLAY_REPO_ROOT=str(PACKAGE.parent))
    run(
        ["nunit-console", "-nologo", "-noshadow", f"-xml={OUT / 'TestResult.xml'}", str(tests)],
        env=env,
        cwd=OUT,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-only", action="store_true", help="build the core and the peer only")
    args = parser.parse_args(argv)
    if not require(["mcs", "mono"] if args.peer_only else ["mcs", "mono", "nunit-console"]):
        return 0
    core = build_core()
    build_peer(core)
    if not args.peer_only:
        build_and_run_tests(core)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
