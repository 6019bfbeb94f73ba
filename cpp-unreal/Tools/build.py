#!/usr/bin/env python3
"""Build and test the C++ core outside Unreal: every compiler and standard, sanitizers, fuzzing.

    python cpp-unreal/Tools/build.py               # everything below; exit 1 on any failure
    python cpp-unreal/Tools/build.py --peer-only   # the conformance peer + bench echo host (build/peer)
    python cpp-unreal/Tools/build.py --fuzz-seconds 60

Steps (each a CMake build in cpp-unreal/build/<name>, compiled with -fno-exceptions
-fno-rtti -Wall -Wextra -Wshadow -Wundef -Werror, then its GoogleTest tests):

- g++ and clang++, each as C++17 and as C++20 (the core, its tests, the conformance peer,
  and the Unreal glue + CartPole sample against the stand-in engine headers with its tests);
- the smoke test: Python drives the real glue in a fake engine loop (Tests/Glue);
- the core's sources as MinGW-w64 g++ sees them for Windows (the Winsock branch),
  syntax and warnings only, C++17 and C++20;
- AddressSanitizer + UndefinedBehaviorSanitizer (clang): the tests, then the sanitized
  conformance peer serving sessions in both modes (conformance/runner's raw and model
  cases for a few environments, run by pytest with RLAY_CPP_PEER pointing at it);
- the libFuzzer target on frame and message decoding, seeded from the golden vectors,
  for a bounded time.

A missing toolchain is reported and skipped, except with CI=true, where it is an error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
BUILD = PACKAGE / "build"
VECTORS = ROOT / "conformance" / "vectors"
GLUE_SMOKE = PACKAGE / "Tests" / "Glue" / "smoke_test.py"
JOBS = str(max(2, min(4, os.cpu_count() or 2)))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(tools: list[str]) -> bool:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return True
    message = f"missing {', '.join(missing)}: apt-get install g++ clang cmake make libgtest-dev libclang-rt-14-dev"
    if in_ci():
        raise SystemExit(f"error: {message}")
    print(f"skipped: {message}")
    return False


def run(command: list[str], **kwargs: object) -> None:
    print("+ " + " ".join(command), flush=True)
    result = subprocess.run(command, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(command[:3])}")


def cmake_build(
    name: str,
    compiler: str,
    standard: int,
    *options: str,
    target: str = "",
    build_type: str = "",
) -> Path:
    out = BUILD / name
    run(
        [
            "cmake",
            "-S",
            str(PACKAGE),
            "-B",
            str(out),
            f"-DCMAKE_CXX_COMPILER={compiler}",
            f"-DCMAKE_CXX_STANDARD={standard}",
            # Unoptimised unless asked: the matrix checks that the code compiles cleanly
            # and passes its tests, and compile time is what CI pays for.
            f"-DCMAKE_BUILD_TYPE={build_type}",
            *options,
        ],
        stdout=subprocess.DEVNULL,
    )
    build = ["cmake", "--build", str(out), "-j", JOBS]
    if target:
        build += ["--target", target]
    run(build)
    return out


def test(out: Path) -> None:
    run(["ctest", "--test-dir", str(out), "--output-on-failure", "--timeout", "300"])


def build_peer() -> Path:
    out = cmake_build(
        "peer",
        "g++",
        17,
        "-DRLAY_TESTS=OFF",
        "-DRLAY_GLUE=OFF",
        target="rlay_conformance_peer",
        build_type="Release",
    )
    run(["cmake", "--build", str(out), "-j", JOBS, "--target", "rlay_echo_host"])
    return out / "rlay_conformance_peer"


def sanitizer_build(target: str = "") -> Path:
    """The one clang build with ASan + UBSan and libFuzzer's coverage instrumentation."""
    return cmake_build(
        "asan",
        "clang++",
        17,
        "-DRLAY_SANITIZE=ON",
        "-DRLAY_FUZZ=ON",
        "-DRLAY_GLUE=OFF",
        "-DCMAKE_CXX_FLAGS=-O1 -g1",
        target=target,
    )


def sanitized() -> None:
    out = sanitizer_build()
    test(out)
    # The sanitized peer under the conformance runner: both modes, tcp and unix, a few
    # environments that cover every code path of the session (all cases would double CI time).
    env = dict(os.environ, RLAY_CPP_PEER=str(out / "rlay_conformance_peer"))
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    cases = "spaces or large or batched-same-step or raw"
    run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "conformance",
            "--peer",
            "cpp",
            "-k",
            cases,
        ],
        cwd=ROOT,
        env=env,
    )


def windows() -> None:
    """The core as a Windows compiler sees it (the Winsock branch of the transport),
    syntax and warnings only: MinGW-w64's g++, both standards, the core's flags."""
    compiler = "x86_64-w64-mingw32-g++"
    if shutil.which(compiler) is None:
        message = f"missing {compiler}: apt-get install g++-mingw-w64-x86-64-posix"
        if in_ci():
            raise SystemExit(f"error: {message}")
        print(f"skipped: {message}")
        return
    core = PACKAGE / "Source" / "RlayCore"
    sources = sorted(str(path) for path in (core / "Private").glob("*.cpp"))
    for standard in (17, 20):
        run(
            [
                compiler,
                f"-std=c++{standard}",
                "-fsyntax-only",
                "-fno-exceptions",
                "-fno-rtti",
                "-Wall",
                "-Wextra",
                "-Wshadow",
                "-Wundef",
                "-Werror",
                f"-I{core / 'Public'}",
                f"-I{core / 'Generated'}",
                *sources,
            ]
        )


def fuzz(seconds: int) -> None:
    # Shares the sanitized step's build: only the fuzz target is left to compile.
    out = sanitizer_build(target="rlay_fuzz_frames")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for vector in sorted(VECTORS.glob("*.binpb")):
            data = vector.read_bytes()
            # Seeds are framed as a connection delivers them.
            (corpus / vector.stem).write_bytes(len(data).to_bytes(4, "little") + data)
        started = time.monotonic()
        run(
            [
                str(out / "rlay_fuzz_frames"),
                str(corpus),
                f"-max_total_time={seconds}",
                "-max_len=65536",
                "-timeout=10",
                "-rss_limit_mb=1024",
                "-print_final_stats=1",
            ],
            stderr=subprocess.STDOUT,
        )
        print(f"fuzzed for {time.monotonic() - started:.0f} s without a crash")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--peer-only", action="store_true", help="build only the conformance peer"
    )
    parser.add_argument(
        "--fuzz-seconds", type=int, default=30, help="fuzzing time budget"
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="skip a step: matrix, smoke, windows, sanitize, fuzz",
    )
    args = parser.parse_args(argv)
    if not require(["cmake", "g++"]):
        return 0
    if args.peer_only:
        build_peer()
        return 0
    if not require(["clang++"]):
        return 0
    started = time.monotonic()
    if "matrix" not in args.skip:
        for compiler, name in (("g++", "gcc"), ("clang++", "clang")):
            for standard in (17, 20):
                test(cmake_build(f"{name}-cpp{standard}", compiler, standard))
                started = lap(f"matrix {name} C++{standard}", started)
    if "smoke" not in args.skip:
        out = cmake_build("gcc-cpp17", "g++", 17, target="rlay_smoke_host")
        run([sys.executable, str(GLUE_SMOKE), "--host", str(out / "rlay_smoke_host")])
        started = lap("smoke", started)
    if "windows" not in args.skip:
        windows()
        started = lap("windows", started)
    if "sanitize" not in args.skip:
        sanitized()
        started = lap("sanitize", started)
    if "fuzz" not in args.skip:
        fuzz(args.fuzz_seconds)
        lap("fuzz", started)
    return 0


def lap(step: str, started: float) -> float:
    now = time.monotonic()
    print(f"step {step}: {now - started:.0f} s", flush=True)
    return now


if __name__ == "__main__":
    sys.exit(main())
