"""The rlay command, run as a subprocess the way users and scripts run it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import TIMEOUT
from gymnasium import spaces as gym_spaces

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
    assert "nothing listens at tcp://127.0.0.1:9" in result.stderr


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


GRIDENV = '''
import gymnasium as gym
import numpy as np
from gymnasium import spaces


class GridEnv(gym.Env):
    """A user's own env: Dict observation, MultiDiscrete action."""

    def __init__(self, render_mode=None):
        self.observation_space = spaces.Dict(
            {"pos": spaces.Box(0, 4, (2,), np.int64), "goal": spaces.Discrete(25)}
        )
        self.action_space = spaces.MultiDiscrete([3, 3])
        self.render_mode = render_mode

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.pos = np.zeros(2, np.int64)
        return {"pos": self.pos.copy(), "goal": 24}, {}

    def step(self, action):
        self.pos = np.clip(self.pos + np.asarray(action) - 1, 0, 4)
        done = bool((self.pos == 4).all())
        return {"pos": self.pos.copy(), "goal": 24}, float(done), done, False, {}


gym.register("Grid-v0", entry_point=GridEnv, max_episode_steps=50)
'''


def _console_script() -> list[str]:
    """The installed ``rlay`` script: unlike ``python -m``, it does not import from ``.``."""
    script = os.path.join(os.path.dirname(sys.executable), "rlay")
    return [script] if os.path.exists(script) else RLAY


@pytest.mark.parametrize("env_arg", ["gridenv:Grid-v0", "gridenv:GridEnv"])
def test_serve_hosts_a_users_own_env_from_the_current_folder(tmp_path: Path, env_arg: str) -> None:
    (tmp_path / "gridenv.py").write_text(GRIDENV)
    process = subprocess.Popen(
        [*_console_script(), "serve", env_arg, "--address", "tcp://127.0.0.1:0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("rlay: listening on "), (
            line + process.communicate(timeout=TIMEOUT)[1]
        )
        address = line.strip().removeprefix("rlay: listening on ")
        with rlay.ClientEnv(address, timeout=TIMEOUT) as env:
            obs, _ = env.reset(seed=0)
            assert obs["pos"].tolist() == [0, 0]
            obs, *_ = env.step(np.array([2, 2]))
            assert obs["pos"].tolist() == [1, 1]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=TIMEOUT)


def test_dial_drives_a_users_own_env_into_a_server_env(tmp_path: Path) -> None:
    (tmp_path / "gridenv.py").write_text(GRIDENV)
    env = rlay.ServerEnv(
        launch=[*_console_script(), "dial", "gridenv:Grid-v0"],
        launch_cwd=str(tmp_path),
        timeout=TIMEOUT,
        accept_timeout=30.0,
    )
    try:
        assert env.observation_space["goal"] == gym_spaces.Discrete(25)
        assert env.spec is not None
        assert env.spec.max_episode_steps == 50
        env.reset(seed=0)
    finally:
        env.close()


@pytest.mark.parametrize(
    ("env_arg", "message"),
    [
        ("nosuchmodule:Grid-v0", "cannot import 'nosuchmodule'"),
        ("gridenv:Nope-v0", "Nope"),
        ("gridenv:GRID_SIZE", "not callable"),
    ],
)
def test_bad_env_arguments_are_one_line_errors(tmp_path: Path, env_arg: str, message: str) -> None:
    (tmp_path / "gridenv.py").write_text(GRIDENV + "\nGRID_SIZE = 5\n")
    result = subprocess.run(
        [*_console_script(), "serve", env_arg],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_module_ids_and_entry_points() -> None:
    text = build_parser()._subparsers._group_actions[0].choices["serve"].format_help()  # type: ignore[union-attr]
    assert "gridenv:Grid-v0" in " ".join(text.split())
    assert "MODULE:CALLABLE" in text


def test_num_envs_below_one_is_refused_at_start() -> None:
    result = run("serve", "CartPole-v1", "--num-envs", "0")
    assert result.returncode == 2
    assert "--num-envs: must be at least 1" in result.stderr


def _catches_sigint(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGINT - 1)))


def test_ctrl_c_early_in_the_demo_prints_no_traceback() -> None:
    """A terminal's Ctrl-C goes to the whole process group, children still importing too."""
    process = subprocess.Popen(
        [*RLAY, "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env={**os.environ, "RLAY_DEMO_STEPS": "100000"},
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("rlay demo:")
    # Wait until the `rlay serve` child's Python handles SIGINT: it then imports for about
    # a second, the moment a Ctrl-C used to end in its traceback.
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        pids = children.read_text().split()
        if pids and _catches_sigint(int(pids[0])):
            break
        time.sleep(0.005)
    time.sleep(0.3)  # into its imports (gymnasium, numpy, protobuf)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=TIMEOUT * 3)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr


def test_demo_progress_is_not_redrawn_into_a_log() -> None:
    import io

    from rlay.demo import drive

    out = io.StringIO()
    with rlay.serve("CartPole-v1") as host, rlay.ClientEnv(host.address) as env:
        drive(env, 300, "ClientEnv", out=out)
    assert "\r" not in out.getvalue()
