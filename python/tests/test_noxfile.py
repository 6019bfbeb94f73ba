"""The repository's noxfile: a run that skips checks for a missing toolchain says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _nox_csharp(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    # An empty PATH: mono and nunit-console are missing, as on a fresh machine.
    env = {**os.environ, "PATH": str(tmp_path)}
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "nox", "--no-venv", "-f", str(ROOT / "noxfile.py"), "-s", "csharp"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.timeout(240)
def test_skipped_checks_are_listed_at_the_end_with_the_command_that_installs_them(
    tmp_path: Path,
) -> None:
    result = _nox_csharp(tmp_path, ci=False)
    assert result.returncode == 0, result.stderr
    tail = result.stderr.strip().splitlines()
    assert tail[-2:] == [
        "  csharp: mcs not found: apt-get install mono-mcs mono-runtime nunit-console",
        "nox: `bash .ci/run` installs every toolchain and runs them all.",
    ], result.stderr
    assert "1 check(s) did not run" in tail[-3]

    in_ci = _nox_csharp(tmp_path, ci=True)
    assert in_ci.returncode != 0
    assert "did not run" not in in_ci.stderr
