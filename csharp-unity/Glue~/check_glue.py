#!/usr/bin/env python3
"""Check the Unity glue of com.farama.rlay on a machine without Unity.

    python csharp-unity/Glue~/check_glue.py              # everything; exit 1 on any failure
    python csharp-unity/Glue~/check_glue.py --no-smoke   # skip the Python smoke test

1. package.json and the assembly definitions are consistent (names, references,
   platforms, the sample's path), and every asset has its .meta (Meta~/check_meta.py).
2. The engine-independent glue (files whose first line says so) compiles with the
   core alone: proof that it touches no UnityEngine API.
3. Runtime/Unity, Editor and Samples~ compile with mcs (C# 7.2, warnings as errors)
   against the stand-ins in Glue~ (UnityEngineStubs.cs and its companions), once per Unity version branch of the code
   (2021.3, 2022.2+, 2023.1+, 6000.4+; player and editor; legacy input, Input System
   or both). The stubs hold only the built-in modules package.json depends on
   (com.unity.modules.physics, ...), as a project with the others disabled would.
4. The glue's NUnit tests run under mono: Glue~/Tests (the engine-independent glue
   alone) and Glue~/EngineTests (RlayEnvironment, RlayAgent and the sample in the
   stand-ins' player loop, which reproduces the Unity behaviours listed at the top
   of UnityEngineStubs.cs).
5. The smoke test: SmokeHost.exe runs the real RlayEnvironment/RlayAgent/CartPole
   sample in a fake player loop, and Glue~/smoke_test.py trains against it with
   rlay.ServerEnv and rlay.ClientVectorEnv.

What this cannot check is that the stubs match Unity: they hold only long-stable
API, but a real editor compile is the final word. Outputs go to Glue~/build/.
Missing mono tools (or, for the smoke test, the rlay Python package) are reported
and skipped, except when CI=true, where they are an error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
GLUE = PACKAGE / "Glue~"
OUT = GLUE / "build"
CORE = PACKAGE / "Runtime" / "Core"
UNITY = PACKAGE / "Runtime" / "Unity"
EDITOR = PACKAGE / "Editor"
SAMPLES = PACKAGE / "Samples~"
STUBS = [GLUE / "UnityEngineStubs.cs", GLUE / "StubPlayerLoop.cs", GLUE / "UnityEditorStubs.cs"]
MCS = ["mcs", "-langversion:7.2", "-nowarn:1591", "-nologo", "-debug"]
STRICT = [*MCS, "-warnaserror+"]
NUNIT_DIRS = [Path("/usr/lib/cli/nunit.framework-2.6.3"), Path("/usr/lib/nunit")]
INDEPENDENT_MARK = "// Engine-independent"
GLUE_ASSETS = ["package.json", "README.md", "CHANGELOG.md", "LICENSE.md", "Runtime/Unity", "Editor"]
LEGACY_INPUT = "ENABLE_LEGACY_INPUT_MANAGER"
INPUT_SYSTEM = ["ENABLE_INPUT_SYSTEM", "RLAY_INPUT_SYSTEM"]
# The code's #if branches: a 2021.3 player (legacy input), a 2022.2 editor (both
# input backends), a 2023.1 editor and a 6000.4 player (Input System only).
DEFINE_SETS = [
    [LEGACY_INPUT],
    ["UNITY_EDITOR", "UNITY_2022_2_OR_NEWER", LEGACY_INPUT, *INPUT_SYSTEM],
    ["UNITY_EDITOR", "UNITY_2022_2_OR_NEWER", "UNITY_2023_1_OR_NEWER", *INPUT_SYSTEM],
    ["UNITY_2022_2_OR_NEWER", "UNITY_2023_1_OR_NEWER", "UNITY_6000_4_OR_NEWER", *INPUT_SYSTEM],
]
# The engine tests run as a Unity 6 player whose Active Input Handling is the Input System only.
ENGINE_TEST_DEFINES = ["UNITY_2022_2_OR_NEWER", "UNITY_2023_1_OR_NEWER", "UNITY_6000_4_OR_NEWER", *INPUT_SYSTEM]
# Assemblies an asmdef may name that are not in this package: optional packages,
# each enabled through a versionDefines entry.
OPTIONAL_ASSEMBLIES = {"Unity.InputSystem": "com.unity.inputsystem"}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(message: str) -> None:
    if in_ci():
        raise SystemExit(f"error: {message}")
    print(f"skipped: {message}")


def sources(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("*.cs"))


def run(command: list[str], **kwargs: object) -> None:
    shown = command if len(command) < 14 else [*command[:10], f"... ({len(command)} args)"]
    print("+ " + " ".join(shown), flush=True)
    result = subprocess.run(command, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(shown)}")


def load_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"{path.relative_to(PACKAGE)}: {error}") from error


def check_manifests() -> None:
    """package.json, asmdefs and .meta files agree with each other."""
    manifest = load_json(PACKAGE / "package.json")
    for key, expected in {"name": "com.farama.rlay", "license": "MIT"}.items():
        if manifest.get(key) != expected:
            raise SystemExit(f"package.json: {key} must be {expected!r}, is {manifest.get(key)!r}")
    for key in ("displayName", "version", "unity", "description", "author"):
        if not manifest.get(key):
            raise SystemExit(f"package.json: {key} is missing")
    for sample in manifest.get("samples", []):
        if not (PACKAGE / sample["path"]).is_dir():
            raise SystemExit(f"package.json: sample path {sample['path']} does not exist")
    asmdefs = {path: load_json(path) for path in PACKAGE.rglob("*.asmdef")}
    names = [data["name"] for data in asmdefs.values()]
    if len(names) != len(set(names)):
        raise SystemExit(f"duplicate assembly names: {sorted(names)}")
    by_name = {data["name"]: (path, data) for path, data in asmdefs.items()}
    expected_refs = {
        "Rlay.Core": [],
        "Rlay.Unity": ["Rlay.Core"],
        "Rlay.Editor": ["Rlay.Core", "Rlay.Unity"],
        "Rlay.Samples.CartPole": ["Rlay.Core", "Rlay.Unity"],
        "Rlay.Samples.ChaserEvader": ["Rlay.Core", "Rlay.Unity"],
    }
    for name, refs in expected_refs.items():
        if name not in by_name:
            raise SystemExit(f"no assembly definition named {name}")
        own = [r for r in by_name[name][1].get("references", []) if r not in OPTIONAL_ASSEMBLIES]
        if sorted(own) != sorted(refs):
            raise SystemExit(f"{name} must reference exactly {refs} (plus optional packages)")
    if by_name["Rlay.Core"][1].get("noEngineReferences") is not True:
        raise SystemExit("Rlay.Core must set noEngineReferences: true")
    if by_name["Rlay.Editor"][1].get("includePlatforms") != ["Editor"]:
        raise SystemExit("Rlay.Editor must be editor-only (includePlatforms: [Editor])")
    for name, (path, data) in by_name.items():
        defined = {d.get("name") for d in data.get("versionDefines", [])}
        for ref in data.get("references", []):
            if ref in OPTIONAL_ASSEMBLIES:
                if OPTIONAL_ASSEMBLIES[ref] not in defined:
                    raise SystemExit(f"{path.relative_to(PACKAGE)}: {ref} needs a versionDefines entry for {OPTIONAL_ASSEMBLIES[ref]}")
            elif ref not in by_name and not ref.startswith("GUID:"):
                raise SystemExit(f"{path.relative_to(PACKAGE)}: unknown reference {ref}")
    print(f"manifests ok: package.json and {len(asmdefs)} assembly definitions")
    # The glue's own assets; the whole package: python csharp-unity/Meta~/check_meta.py
    run([sys.executable, str(PACKAGE / "Meta~" / "check_meta.py"), *[str(PACKAGE / p) for p in GLUE_ASSETS]])


def module_defines() -> list[str]:
    """STUB_MODULE_<NAME> for each built-in module package.json depends on."""
    manifest = load_json(PACKAGE / "package.json")
    prefix = "com.unity.modules."
    modules = [name[len(prefix) :] for name in manifest.get("dependencies", {}) if name.startswith(prefix)]
    return [f"STUB_MODULE_{module.upper()}" for module in sorted(modules)]


def stubs_dll(defines: list[str]) -> Path:
    """The stand-ins for one Unity version and the package's declared modules."""
    tag = "-".join(d.lower() for d in defines) or "plain"
    out = OUT / "stubs" / tag / "UnityEngine.dll"
    out.parent.mkdir(parents=True, exist_ok=True)
    flags = [f"-define:{d}" for d in [*defines, *module_defines()]]
    run([*MCS, *flags, "-target:library", f"-out:{out}", *map(str, STUBS)])
    return out


def independent_sources() -> list[str]:
    """Glue files that declare themselves engine-independent on their first line."""
    found = []
    for path in sorted(UNITY.rglob("*.cs")):
        with path.open(encoding="utf-8") as handle:
            if handle.readline().startswith(INDEPENDENT_MARK):
                found.append(str(path))
    if not found:
        raise SystemExit(f"no file in {UNITY} starts with {INDEPENDENT_MARK!r}")
    return found


def compile_all() -> Path:
    """Every compile; returns Rlay.Core.dll."""
    OUT.mkdir(parents=True, exist_ok=True)
    core = OUT / "Rlay.Core.dll"
    run([*STRICT, "-target:library", f"-out:{core}", *sources(CORE)])
    independent = OUT / "Rlay.Unity.Independent.dll"
    run([*STRICT, "-target:library", f"-out:{independent}", f"-r:{core}", *independent_sources()])
    for defines in DEFINE_SETS:
        tag = "-".join(d.replace("UNITY_", "").lower() for d in defines)
        flags = [f"-define:{d}" for d in defines]
        stubs = stubs_dll(defines)
        unity = OUT / f"Rlay.Unity.{tag}.dll"
        refs = [f"-r:{core}", f"-r:{stubs}"]
        run([*STRICT, *flags, "-target:library", f"-out:{unity}", *refs, *sources(UNITY)])
        sample = OUT / f"Rlay.Samples.{tag}.dll"
        run([*STRICT, *flags, "-target:library", f"-out:{sample}", *refs, f"-r:{unity}", *sources(SAMPLES)])
        if "UNITY_EDITOR" in defines:
            editor = OUT / f"Rlay.Editor.{tag}.dll"
            run([*STRICT, *flags, "-target:library", f"-out:{editor}", *refs, f"-r:{unity}", *sources(EDITOR)])
    return core


def nunit_framework() -> Path | None:
    for folder in NUNIT_DIRS:
        candidate = folder / "nunit.framework.dll"
        if candidate.exists():
            return candidate
    return None


def run_tests(core: Path) -> None:
    framework = nunit_framework()
    if framework is None or shutil.which("nunit-console") is None:
        skip_or_fail("nunit-console / nunit.framework.dll missing: apt-get install nunit-console libnunit-cil-dev")
        return
    tests = OUT / "Rlay.Unity.GlueTests.dll"
    # The core's sources, not its dll, so the test assembly stands alone next to nunit.
    run([*STRICT, "-target:library", f"-out:{tests}", f"-r:{framework}", *sources(CORE), *independent_sources(), *sources(GLUE / "Tests")])
    with tempfile.TemporaryDirectory() as work:
        run(["nunit-console", "-nologo", "-noshadow", f"-work={work}", str(tests)], timeout=300)
    # The Unity-facing glue and the sample in the stand-ins' player loop: one
    # assembly (stubs, core, glue, sample, tests) so that nunit needs no probing path.
    engine = OUT / "Rlay.Unity.EngineTests.dll"
    flags = [f"-define:{d}" for d in [*ENGINE_TEST_DEFINES, *module_defines()]]
    run([*MCS, *flags, "-target:library", f"-out:{engine}", f"-r:{framework}", *map(str, STUBS),
         *sources(CORE, UNITY, SAMPLES, GLUE / "EngineTests")])
    with tempfile.TemporaryDirectory() as work:
        run(["nunit-console", "-nologo", "-noshadow", f"-work={work}", str(engine)], timeout=300)


def run_smoke() -> None:
    if importlib.util.find_spec("rlay") is None:
        skip_or_fail("the rlay Python package is not installed: pip install -e python")
        return
    exe = OUT / "SmokeHost.exe"
    # One assembly, so that mono finds everything without a probing path. A 2022.2
    # player with the old Input Manager (the sample's legacy-input branch).
    flags = [f"-define:{d}" for d in ["UNITY_2022_2_OR_NEWER", LEGACY_INPUT, *module_defines()]]
    run([*MCS, *flags, "-target:exe", f"-out:{exe}", *map(str, STUBS), *sources(CORE, UNITY, SAMPLES), str(GLUE / "SmokeHost.cs")])
    run([sys.executable, str(GLUE / "smoke_test.py"), "--exe", str(exe)], timeout=600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-smoke", action="store_true", help="skip the Python smoke test")
    parser.add_argument("--no-tests", action="store_true", help="skip the NUnit tests")
    args = parser.parse_args()
    check_manifests()
    missing = [tool for tool in ("mcs", "mono") if shutil.which(tool) is None]
    if missing:
        skip_or_fail(f"missing {', '.join(missing)}: apt-get install mono-mcs mono-runtime")
        return 0
    core = compile_all()
    if not args.no_tests:
        run_tests(core)
    if not args.no_smoke:
        run_smoke()
    print("glue checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
