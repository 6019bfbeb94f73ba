"""ServerEnv: listen, launch, let the env dial in; dead processes and timeouts."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import TIMEOUT, InfoEnv, Opener, address_for
from gymnasium.utils.env_checker import check_env

import rlay

pytestmark = pytest.mark.timeout(60)

DIAL_CARTPOLE = [sys.executable, "-m", "rlay", "dial", "CartPole-v1"]


def test_check_env_on_a_launched_server_env() -> None:
    env = rlay.ServerEnv(launch=DIAL_CARTPOLE, timeout=TIMEOUT, accept_timeout=30.0)
    try:
        # The render and close checks re-make the env from its spec: new launches.
        check_env(env)
    finally:
        env.close()


def test_check_env_on_a_server_env_with_a_dialling_thread(opener: Opener, transport: str) -> None:
    env = opener.open("CartPole-v1", "server", transport)
    check_env(env, skip_render_check=True, skip_close_check=True)


def test_observations_are_not_one_step_late(opener: Opener, transport: str) -> None:
    env = opener.open(InfoEnv, "server", transport)
    obs, _ = env.reset(seed=0)
    start = obs[0]
    for t in range(1, 4):
        obs, _, _, _, info = env.step(0)
        assert obs[1] == t
        assert info["t"] == t
    obs, *_ = env.step(1)
    assert obs.tolist() == [start + 1, 4]


def test_launch_passes_the_address_and_token(short_dir: str) -> None:
    script = textwrap.dedent(
        """
        import os, sys, rlay
        assert sys.argv[-2] == "-rlay-address", sys.argv
        assert sys.argv[-1] == os.environ["RLAY_ADDRESS"], sys.argv
        rlay.dial("FrozenLake-v1", os.environ["RLAY_ADDRESS"], token=os.environ["RLAY_TOKEN"])
        """
    )
    address = address_for("unix", short_dir)
    with rlay.ServerEnv(
        address, launch=[sys.executable, "-c", script], token="abc", timeout=TIMEOUT
    ) as env:
        assert env.address == address
        obs, info = env.reset(seed=0)
        assert obs == 0
        assert info == {"prob": 1.0}
        assert env.spec is not None
        assert env.spec.max_episode_steps == 100


def test_a_program_that_exits_3_raises_process_died_with_its_stderr() -> None:
    script = "import sys; print('fatal: no graphics device', file=sys.stderr); sys.exit(3)"
    start = time.monotonic()
    with pytest.raises(rlay.ProcessDied) as caught:
        rlay.ServerEnv(launch=[sys.executable, "-c", script], accept_timeout=30.0)
    assert time.monotonic() - start < 15.0
    assert caught.value.returncode == 3
    assert "fatal: no graphics device" in caught.value.stderr_tail
    assert "fatal: no graphics device" in str(caught.value)
    assert "code 3" in str(caught.value)


def test_a_program_that_dies_mid_session_raises_process_died() -> None:
    env = rlay.ServerEnv(launch=DIAL_CARTPOLE, timeout=TIMEOUT, accept_timeout=30.0)
    try:
        env.reset(seed=0)
        assert env._launcher is not None
        env._launcher.process.kill()
        env._launcher.process.wait(TIMEOUT)
        with pytest.raises(rlay.ProcessDied) as caught:
            env.step(0)
        assert caught.value.returncode == -9
        with pytest.raises(rlay.ConnectionClosed):
            env.step(0)
    finally:
        env.close()


def test_close_ends_the_launched_program() -> None:
    # This program ignores the session's close and would run forever.
    script = textwrap.dedent(
        """
        import os, threading, time, rlay
        threading.Thread(target=rlay.dial, args=("CartPole-v1", os.environ["RLAY_ADDRESS"]),
                         daemon=True).start()
        while True:
            time.sleep(1)
        """
    )
    env = rlay.ServerEnv(
        launch=[sys.executable, "-c", script], timeout=TIMEOUT, accept_timeout=30.0, close_grace=0.5
    )
    assert env._launcher is not None
    process = env._launcher.process
    env.reset(seed=0)
    env.close()
    assert process.poll() is not None


def test_nobody_dials_in_time() -> None:
    start = time.monotonic()
    with pytest.raises(rlay.Timeout, match="no env dialled"):
        rlay.ServerEnv(accept_timeout=0.3)
    assert time.monotonic() - start < 3.0


def test_wait_false_exposes_the_address_first(short_dir: str) -> None:
    env = rlay.ServerEnv(wait=False, accept_timeout=TIMEOUT, timeout=TIMEOUT)
    process = subprocess.Popen([*DIAL_CARTPOLE, "--address", env.address])
    try:
        obs, _ = env.reset(seed=4)  # accepts on first use
        assert obs.shape == (4,)
    finally:
        env.close()
        process.wait(TIMEOUT)
    assert process.returncode == 0


def test_server_vector_env_launches_a_batched_program() -> None:
    launch = [*DIAL_CARTPOLE, "--num-envs", "3", "--autoreset-mode", "same_step"]
    with rlay.ServerVectorEnv(launch=launch, timeout=TIMEOUT, accept_timeout=30.0) as envs:
        assert envs.num_envs == 3
        obs, _ = envs.reset(seed=0)
        assert obs.shape == (3, 4)
        obs, rewards, *_ = envs.step(np.array([0, 1, 0]))
        assert rewards.tolist() == [1.0, 1.0, 1.0]


def test_server_env_token_mismatch_fails_on_both_sides() -> None:
    env = rlay.ServerEnv(wait=False, token="right", accept_timeout=TIMEOUT, timeout=TIMEOUT)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rlay.dial("CartPole-v1", env.address, token="other", retry_timeout=TIMEOUT)
        except rlay.RlayError as error:
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    with pytest.raises(rlay.Unauthenticated):
        env.accept()
    thread.join(TIMEOUT)
    env.close()
    assert len(errors) == 1
    assert isinstance(errors[0], rlay.Unauthenticated)


GARBAGE = [
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http"),
    pytest.param(b"\x05\x00\x00\x00\xff\xff\xff\xff\xff", id="bad-protobuf"),
    pytest.param(b"", id="connect-and-leave"),
]


@pytest.mark.parametrize("garbage", GARBAGE)
@pytest.mark.parametrize("vector", [False, True], ids=["ServerEnv", "ServerVectorEnv"])
def test_a_bad_client_first_is_dropped_and_the_real_env_still_gets_in(
    garbage: bytes, vector: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A scanner or browser connecting first does not take the waiting listener down."""
    cls = rlay.ServerVectorEnv if vector else rlay.ServerEnv
    env = cls(wait=False, accept_timeout=30.0, timeout=TIMEOUT)
    host, port = env.address.removeprefix("tcp://").rsplit(":", 1)

    def bad_then_good() -> None:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as bad:
            bad.sendall(garbage)
            with contextlib.suppress(OSError):
                bad.recv(1024)  # wait until the listener has dropped us
        rlay.dial("CartPole-v1", env.address, retry_timeout=TIMEOUT)

    thread = threading.Thread(target=bad_then_good, daemon=True)
    thread.start()
    try:
        with caplog.at_level("WARNING", logger="rlay.server_env"):
            env.accept()
        obs, _ = env.reset(seed=0)
        assert np.asarray(obs).shape == ((1, 4) if vector else (4,))
    finally:
        env.close()
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert "dropped a connection" in caplog.text


def test_an_http_server_is_named_as_not_rlay() -> None:
    """``rlay info`` / ClientEnv against a web server: not rlay, rather than a frame size."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(1024)
            connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            with contextlib.suppress(OSError):
                connection.recv(1024)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        with pytest.raises(rlay.ProtocolError, match=r"does not speak rlay: it began with b'HTTP'"):
            rlay.ClientEnv(f"tcp://127.0.0.1:{port}", timeout=TIMEOUT, connect_timeout=TIMEOUT)
    finally:
        thread.join(TIMEOUT)
        server.close()


def test_a_program_that_cannot_start_says_so(tmp_path: Path) -> None:
    with pytest.raises(rlay.ProcessDied, match=r"could not start: .*No such file") as caught:
        rlay.ServerEnv(launch=[str(tmp_path / "NoSuchGame")], accept_timeout=5.0)
    assert "code None" not in str(caught.value)


def test_the_launched_process_is_public() -> None:
    env = rlay.ServerEnv(launch=DIAL_CARTPOLE, timeout=TIMEOUT, accept_timeout=30.0)
    process = env.process
    assert process is not None
    assert process.pid > 0
    assert process.poll() is None
    env.close()
    assert env.process is process
    assert process.returncode == 0
    assert rlay.ServerEnv(wait=False).process is None
