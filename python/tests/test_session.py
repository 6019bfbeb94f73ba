"""The session protocol itself: handshake, errors, one reply per command."""

from __future__ import annotations

import contextlib
import resource
import sys
import threading
from collections.abc import Iterator
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from conftest import TIMEOUT, FailingEnv, InfoEnv, Opener, address_for

import rlay
from rlay.session import (
    PROTOCOL_VERSION,
    AgentSession,
    EnvBackend,
    EnvDescription,
    EnvSession,
    ResetResult,
    StepResult,
)
from rlay.transports import connect, listen
from rlay.v1 import session_pb2

pytestmark = pytest.mark.timeout(30)


def hello_request(major: int = 1, token: str = "", render_mode: str = "") -> bytes:
    request = session_pb2.SessionRequest()
    hello = request.hello
    hello.protocol_version.major = major
    hello.protocol_version.minor = 0
    hello.implementation = "handmade"
    hello.token = token
    hello.render_mode = render_mode
    return request.SerializeToString()


def response_of(data: bytes) -> session_pb2.SessionResponse:
    response = session_pb2.SessionResponse()
    response.ParseFromString(data)
    return response


@pytest.fixture
def raw(opener: Opener, transport: str) -> Iterator[Any]:
    """A raw agent-side connection to a host serving InfoEnv (token "t0k")."""
    host = opener.host(InfoEnv, transport, token="t0k")
    connection = connect(host.address, side="agent", timeout=TIMEOUT)
    yield connection
    connection.close()


def test_env_hello_carries_the_spec(raw: Any) -> None:
    raw.send(hello_request(token="t0k"))
    reply = response_of(raw.recv(TIMEOUT))
    assert reply.WhichOneof("kind") == "hello"
    hello = reply.hello
    assert (hello.protocol_version.major, hello.protocol_version.minor) == PROTOCOL_VERSION
    assert hello.implementation == "rlay-python"
    assert hello.implementation_version == rlay.__version__
    assert hello.env_spec.num_envs == 1
    assert hello.env_spec.autoreset_mode == session_pb2.AUTORESET_MODE_DISABLED
    assert list(hello.env_spec.render_modes) == ["rgb_array", "ansi"]
    assert hello.env_spec.render_fps == 4.0


def test_major_version_2_is_refused_with_both_versions_named(
    raw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    raw.send(hello_request(major=2, token="t0k"))
    reply = response_of(raw.recv(TIMEOUT))
    assert reply.error.code == session_pb2.ERROR_CODE_VERSION_MISMATCH
    assert "2.0" in reply.error.message
    assert "1.0" in reply.error.message
    with pytest.raises(rlay.ConnectionClosed):
        raw.recv(TIMEOUT)
    assert any("version mismatch" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("token", ["", "wrong"])
def test_wrong_or_missing_token_is_refused(raw: Any, token: str) -> None:
    raw.send(hello_request(token=token))
    reply = response_of(raw.recv(TIMEOUT))
    assert reply.error.code == session_pb2.ERROR_CODE_UNAUTHENTICATED
    with pytest.raises(rlay.ConnectionClosed):
        raw.recv(TIMEOUT)


def test_a_command_before_hello_is_a_protocol_error(raw: Any) -> None:
    request = session_pb2.SessionRequest()
    request.reset.SetInParent()
    raw.send(request.SerializeToString())
    assert response_of(raw.recv(TIMEOUT)).error.code == session_pb2.ERROR_CODE_PROTOCOL


def test_client_env_raises_typed_handshake_errors(opener: Opener) -> None:
    host = opener.host(InfoEnv, token="t0k")
    with pytest.raises(rlay.Unauthenticated):
        rlay.ClientEnv(host.address, token="nope", timeout=TIMEOUT)
    with pytest.raises(rlay.Unauthenticated):
        rlay.ClientEnv(host.address, timeout=TIMEOUT)
    env = rlay.ClientEnv(host.address, token="t0k", timeout=TIMEOUT)
    assert env.reset(seed=0)[0].shape == (2,)
    env.close()


def fake_env_side(address: str, reply: session_pb2.SessionResponse) -> threading.Thread:
    """An env side that answers the hello with ``reply`` whatever it is."""
    listener = listen(address, side="env")

    def run() -> None:
        connection = listener.accept(TIMEOUT)
        connection.recv(TIMEOUT)
        connection.send(reply.SerializeToString())
        with contextlib.suppress(rlay.RlayError):
            connection.recv(2.0)
        connection.close()
        listener.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    fake_env_side.address = listener.address  # type: ignore[attr-defined]
    return thread


def test_agent_checks_the_env_hello_version(short_dir: str) -> None:
    reply = session_pb2.SessionResponse()
    reply.hello.protocol_version.major = 2
    reply.hello.implementation = "future-env"
    thread = fake_env_side(address_for("tcp", short_dir), reply)
    with pytest.raises(rlay.VersionMismatch, match=r"2\.0"):
        rlay.ClientEnv(fake_env_side.address, timeout=TIMEOUT)  # type: ignore[attr-defined]
    thread.join(TIMEOUT)


def test_agent_raises_version_mismatch_from_an_error_reply(short_dir: str) -> None:
    reply = session_pb2.SessionResponse()
    reply.error.code = session_pb2.ERROR_CODE_VERSION_MISMATCH
    reply.error.message = "env speaks 3.1"
    thread = fake_env_side(address_for("tcp", short_dir), reply)
    with pytest.raises(rlay.VersionMismatch, match=r"3\.1"):
        rlay.ClientEnv(fake_env_side.address, timeout=TIMEOUT)  # type: ignore[attr-defined]
    thread.join(TIMEOUT)


def test_env_errors_keep_the_session(opener: Opener, mode: str, transport: str) -> None:
    env = opener.open(FailingEnv, mode, transport)
    env.reset(seed=0)
    with pytest.raises(rlay.RemoteError) as caught:
        env.step(1)
    assert caught.value.code == "ENV"
    assert "the simulation exploded" in caught.value.message
    assert env.step(0)[0].shape == (2,)


def test_a_silent_env_side_times_out(short_dir: str) -> None:
    listener = listen(address_for("tcp", short_dir), side="env")
    agent = connect(listener.address, side="agent", timeout=TIMEOUT)
    env_end = listener.accept(TIMEOUT)
    session = AgentSession(agent, timeout=0.3)
    with pytest.raises(rlay.Timeout):
        session.hello()
    assert session.closed
    env_end.close()
    listener.close()


class CountingBackend(EnvBackend):
    """A hand-written backend: the documented EnvBackend interface, no Gymnasium env."""

    def __init__(self) -> None:
        self.closed = 0
        self.count = 0

    def open(self, render_mode: str | None) -> EnvDescription:
        return EnvDescription(
            "Counter-v0",
            gym.spaces.Box(0, 100, (1,), np.int32),
            gym.spaces.Discrete(3, start=-1),
            num_envs=2,
            autoreset_mode=gym.vector.AutoresetMode.DISABLED,
            metadata={"game_version": "0.3"},
        )

    def reset(self, seeds: Any, options: Any, mask: Any) -> ResetResult:
        self.count = 0
        return ResetResult(np.zeros((2, 1), np.int32), [{}, {"seeds": str(seeds)}])

    def step(self, actions: Any) -> StepResult:
        self.count += 1
        obs = np.full((2, 1), self.count, np.int32)
        rewards = actions.astype(np.float64)
        done = np.array([self.count >= 2, False])
        return StepResult(obs, rewards, done, np.zeros(2, bool), [{}, {}], [])

    def close(self) -> None:
        self.closed += 1


def test_a_custom_backend_through_agent_session(short_dir: str) -> None:
    listener = listen(address_for("unix", short_dir), side="env")
    backend = CountingBackend()
    agent = AgentSession(connect(listener.address, side="agent", timeout=TIMEOUT), timeout=TIMEOUT)
    env_session = EnvSession(listener.accept(TIMEOUT), backend)
    thread = threading.Thread(target=env_session.run, daemon=True)
    thread.start()
    description = agent.hello()
    assert description.env_id == "Counter-v0"
    assert description.action_space == gym.spaces.Discrete(3, start=-1)
    assert description.metadata == {"game_version": "0.3"}
    result = agent.reset(seeds=[0, None])
    assert result.infos == [{}, {"seeds": "[0, None]"}]
    step = agent.step(np.array([-1, 1]))
    assert step.rewards.tolist() == [-1.0, 1.0]
    assert step.observations.tolist() == [[1], [1]]
    step = agent.step(np.array([0, 0]))
    assert step.terminated.tolist() == [True, False]
    with pytest.raises(rlay.RemoteError) as caught:
        agent.render()
    assert caught.value.code == "UNIMPLEMENTED"
    step = agent.step(np.array([0, 0]))  # an error about one command keeps the session
    assert step.rewards.tolist() == [0.0, 0.0]
    agent.close()
    thread.join(TIMEOUT)
    assert env_session.error is None
    assert backend.closed == 1
    listener.close()


def test_step_before_reset_is_a_failed_precondition(opener: Opener, mode: str) -> None:
    env = opener.open(InfoEnv, mode)
    with pytest.raises(rlay.RemoteError) as caught:
        env.step(0)
    assert caught.value.code == "FAILED_PRECONDITION"
    obs, _ = env.reset(seed=0)  # the session goes on
    assert obs.shape == env.observation_space.shape


def test_an_action_outside_a_discrete_space_is_invalid(opener: Opener, mode: str) -> None:
    env = opener.open(InfoEnv, mode)
    env.reset(seed=0)
    with pytest.raises(rlay.RemoteError) as caught:
        env.step(2)
    assert caught.value.code == "INVALID_ARGUMENT"
    obs, *_ = env.step(0)
    assert obs[1] == 1.0  # the refused step changed nothing


def _peak_resident_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes there, KiB here


def test_long_sessions_do_not_grow_memory(short_dir: str) -> None:
    # Reusing upb messages across frames grew both sides by about 1 KB per step.
    with rlay.serve("CartPole-v1", f"unix://{short_dir}/mem.sock") as host:
        host.start()
        with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
            env.reset(seed=0)

            def run(steps: int) -> None:
                for _ in range(steps):
                    _, _, terminated, truncated, _ = env.step(0)
                    if terminated or truncated:
                        env.reset()

            run(2_000)  # warm up allocators and caches
            before = _peak_resident_mb()
            run(20_000)
            assert _peak_resident_mb() - before < 5.0


class LooseEnv(gym.Env[Any, Any]):
    """Steps return what envs in the wild return: lists, ints, numpy scalars, views,
    None for a reward (NaN, as numpy casts it) and (on action 2) a reward that is no
    number at all."""

    observation_space = gym.spaces.Box(-10, 10, (3,), np.float32)
    action_space = gym.spaces.Discrete(4)

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[Any, dict[str, Any]]:
        return np.zeros(3, np.float32), {}

    def step(self, action: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        if action == 0:  # a list, an int reward, numpy flags
            return [1, 2, 3], 1, np.bool_(False), np.bool_(True), {}
        if action == 1:  # a non-contiguous float64 view, a float32 reward
            return np.arange(6.0)[::2], np.float32(0.5), 0, 1, {}
        if action == 2:
            return np.zeros(3, np.float32), "lots", False, False, {}
        return np.zeros(3, np.float32), None, False, False, {"n": 1}


def test_single_env_steps_cast_like_a_vector_env(opener: Opener) -> None:
    env = opener.open(LooseEnv, "client", "unix")
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(0)
    assert obs.dtype == np.float32
    assert obs.tolist() == [1.0, 2.0, 3.0]
    assert (reward, terminated, truncated, info) == (1.0, False, True, {})
    obs, reward, terminated, truncated, _ = env.step(1)
    assert obs.tolist() == [0.0, 2.0, 4.0]
    assert (reward, terminated, truncated) == (0.5, 0, 1)
    with pytest.raises(rlay.RemoteError) as caught:
        env.step(2)  # float("lots") fails on the env side, as it does in a vector env
    assert caught.value.code == "ENV"
    assert np.isnan(env.step(3)[1])
    assert env.step(3)[4] == {"n": 1}
    assert env.step(0)[1] == 1.0  # the session goes on
    with pytest.raises(rlay.RemoteError) as refused:
        env.step(np.int64(4))
    assert refused.value.code == "INVALID_ARGUMENT"
    assert "action [4] is not in Discrete(4)" in str(refused.value)
