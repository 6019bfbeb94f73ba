"""The rlay command, run as a subprocess the way users and scripts run it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from conftest import TIMEOUT

import rlay
from rlay.cli import build_parser, main

pytestmark = pytest.mark.timeout(90)

RLAY = [sys.executable, "-m", "rlay"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RLAY, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [*RLAY, "serve", "CartPole-v1", "--address", "tcp://127.0.0.1:0", "--token", "t"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("rlay: listening on tcp://127.0.0.1:"), line
    yield process, line.strip().removeprefix("rlay: listening on ")
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=TIMEOUT)


def test_serve_prints_its_address_and_serves(served: tuple[subprocess.Popen[str], str]) -> None:
    _, address = served
    with rlay.ClientEnv(address, token="t", timeout=TIMEOUT) as env:
        obs, _ = env.reset(seed=0)
        assert obs.shape == (4,)


def test_info_describes_a_listening_env(served: tuple[subprocess.Popen[str], str]) -> None:
    _, address = served
    result = run("info", address, "--token", "t")
    assert result.returncode == 0, result.stderr
    assert "env:" in result.stdout
    assert "CartPole-v1" in result.stdout
    assert "Discrete(2)" in result.stdout
    assert "max episode steps: 500" in result.stdout
    refused = run("info", address, "--token", "wrong")
    assert refused.returncode == 1
    assert "token" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_serve_exits_cleanly_on_a_signal(
    served: tuple[subprocess.Popen[str], str], sig: int, code: int
) -> None:
    process, address = served
    env = rlay.ClientEnv(address, token="t", timeout=TIMEOUT)
    env.reset(seed=0)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == code
    assert "Traceback" not in stderr
    with pytest.raises(rlay.ConnectionClosed):
        env.step(0)
    env.close()


@pytest.mark.parametrize("how", ["--address", "-rlay-address", "RLAY_ADDRESS"])
def test_dial_reaches_a_server_env(how: str) -> None:
    env = rlay.ServerEnv(wait=False, timeout=TIMEOUT, accept_timeout=TIMEOUT)
    args = ["dial", "FrozenLake-v1", "--retry-timeout", "10"]
    extra_env = {}
    if how == "RLAY_ADDRESS":
        extra_env["RLAY_ADDRESS"] = env.address
    else:
        args += [how, env.address]
    process = subprocess.Popen(
        [*RLAY, *args],
        env={**os.environ, **extra_env},
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        obs, info = env.reset(seed=0)
        assert obs == 0
        assert info == {"prob": 1.0}
    finally:
        env.close()
        _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, stderr


def test_dial_without_an_address_explains() -> None:
    result = run("dial", "CartPole-v1", env={"RLAY_ADDRESS": ""})
    assert result.returncode == 2
    assert "RLAY_ADDRESS" in result.stderr


def test_unknown_env_id_is_a_clear_error() -> None:
    result = run("serve", "NoSuchEnv-v9")
    assert result.returncode == 2
    assert "NoSuchEnv" in result.stderr
    assert "Traceback" not in result.stderr


def test_dial_timeout_is_a_clear_error(tmp_path: object) -> None:
    result = run("dial", "CartPole-v1", "--address", "tcp://127.0.0.1:9", "--retry-timeout", "0.3")
    assert result.returncode == 1
    assert "nothing accepted" in result.stderr


def test_demo_runs_both_ways() -> None:
    result = run("demo", env={"RLAY_DEMO_STEPS": "300"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("steps/s") == 2
    assert "ClientEnv" in result.stdout
    assert "ServerEnv" in result.stdout


def test_demo_steps_flag_is_hidden() -> None:
    assert "--steps" not in build_parser().format_help()
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
