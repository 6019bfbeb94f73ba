"""Virtualenvs for the peers, each holding one peer's own library (idempotent).

A venv is (re)built only when its recorded spec differs from the wanted one, so a second
call costs a few file reads. A venv that cannot be built is recorded with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

# RLAYBENCH_VENVS moves them (e.g. to time a build from nothing).
VENV_ROOT = Path(
    os.environ.get("RLAYBENCH_VENVS") or Path(__file__).resolve().parent.parent / ".venvs"
)
INSTALL_TIMEOUT = 900.0


@dataclass(frozen=True)
class VenvSpec:
    """What one venv holds: pip argument groups installed in order."""

    name: str
    installs: tuple[tuple[str, ...], ...]
    why: str
    system_site_packages: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        text = json.dumps([self.installs, self.system_site_packages, sys.version])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


SPECS: dict[str, VenvSpec] = {
    "mlagents": VenvSpec(
        "mlagents",
        (("mlagents-envs==0.28.0", "protobuf==3.20.3"),),
        "Unity ML-Agents' Python side (UnityEnvironment, gRPC server, Exchange unary RPC)",
    ),
    "dmenvrpc": VenvSpec(
        "dmenvrpc",
        (("dm-env-rpc", "numpy"),),
        "dm_env_rpc's client (Connection + DmEnvAdaptor) and its generated Environment service",
    ),
    "godotrl": VenvSpec(
        "godotrl",
        (("--no-deps", "godot-rl"), ("numpy", "gymnasium")),
        "Godot RL Agents' GodotEnv without torch/SB3 (it needs only numpy and gymnasium)",
    ),
    "rlay001": VenvSpec(
        "rlay001",
        (("rlay==0.0.1",),),
        "rlay 0.0.1, the previous rlay (mmap file + busy-wait)",
    ),
    "tools": VenvSpec(
        "tools",
        (("matplotlib", "pyinstrument", "py-spy"),),
        "plots and profilers; sees the global site-packages so it can import rlay",
        system_site_packages=True,
    ),
}


def python_of(name: str) -> Path:
    """Interpreter of the named venv."""
    return VENV_ROOT / name / "bin" / "python"


def status(name: str) -> dict[str, str]:
    """The recorded state of a venv: {"ok": "yes"|"no", "reason": ...}."""
    marker = VENV_ROOT / f"{name}.status.json"
    if not marker.exists():
        return {"ok": "no", "reason": "not built yet"}
    data: dict[str, str] = json.loads(marker.read_text())
    if data.get("digest") != SPECS[name].digest():
        return {"ok": "no", "reason": "spec changed; rebuild needed"}
    return data


def _pip(py: Path, args: tuple[str, ...], log: Path) -> None:
    cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check", *args]
    with log.open("a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(
            cmd, stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT, check=False
        )
    if proc.returncode != 0:
        tail = log.read_text().splitlines()[-6:]
        raise RuntimeError(f"pip install {' '.join(args)} failed: " + " | ".join(tail))


def _freeze(py: Path) -> str:
    out = subprocess.run(
        [str(py), "-m", "pip", "freeze"], capture_output=True, text=True, timeout=120, check=False
    )
    return out.stdout


def ensure(name: str, *, force: bool = False) -> dict[str, str]:
    """Build the named venv unless it is already built with the same spec."""
    spec = SPECS[name]
    current = status(name)
    if current.get("ok") == "yes" and not force:
        return current
    failed = current.get("ok") == "no" and "failed" in current.get("reason", "")
    if failed and not force and current.get("digest") == spec.digest():
        return current  # a recorded failure for this very spec: don't retry every run
    VENV_ROOT.mkdir(parents=True, exist_ok=True)
    target = VENV_ROOT / name
    log = VENV_ROOT / f"{name}.log"
    log.write_text("")
    result: dict[str, str] = {"digest": spec.digest(), "why": spec.why}
    try:
        venv.EnvBuilder(
            clear=True, with_pip=True, system_site_packages=spec.system_site_packages
        ).create(target)
        for group in spec.installs:
            _pip(python_of(name), group, log)
        result.update(ok="yes", reason="", freeze=_freeze(python_of(name)))
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        result.update(ok="no", reason=f"failed: {exc}")
    (VENV_ROOT / f"{name}.status.json").write_text(json.dumps(result, indent=1))
    return result


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=list(SPECS), help="venvs to build")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    bad = 0
    for name in args.names:
        res = ensure(name, force=args.force)
        ok = res.get("ok") == "yes"
        bad += not ok
        print(f"{name:10s} {'ok' if ok else 'FAILED'} {res.get('reason', '')}", flush=True)
    return 1 if bad else 0
