"""The reference env side: GymBackend, serve() and dial()."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from conftest import TIMEOUT, InfoEnv, Opener, address_for
from gymnasium.vector import AutoresetMode

import rlay
from rlay.host import GymBackend, parse_autoreset_mode

pytestmark = pytest.mark.timeout(30)


def test_default_autoreset_modes() -> None:
    assert GymBackend("CartPole-v1").autoreset_mode is AutoresetMode.DISABLED
    assert GymBackend("CartPole-v1", num_envs=2).autoreset_mode is AutoresetMode.NEXT_STEP


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("next_step", AutoresetMode.NEXT_STEP),
        ("SAME_STEP", AutoresetMode.SAME_STEP),
        ("Disabled", AutoresetMode.DISABLED),
        ("same-step", AutoresetMode.SAME_STEP),
    ],
)
def test_parse_autoreset_mode(text: str, mode: AutoresetMode) -> None:
    assert parse_autoreset_mode(text) is mode


def test_parse_autoreset_mode_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="next_step"):
        parse_autoreset_mode("sometimes")


def test_backend_describes_the_env() -> None:
    backend = GymBackend("FrozenLake-v1", env_kwargs={"map_name": "8x8"})
    description = backend.open("ansi")
    assert description.env_id == "FrozenLake-v1"
    assert description.render_mode == "ansi"
    assert description.max_episode_steps == 100
    assert description.render_fps == 4.0
    assert description.observation_space == gym.spaces.Discrete(64)  # the kwargs reached make
    backend.close()
    assert backend.envs == []


def test_backend_masked_reset_keeps_other_observations() -> None:
    backend = GymBackend(InfoEnv, num_envs=2, autoreset_mode="disabled")
    backend.open(None)
    backend.reset([0, 1], None, None)
    backend.step(np.array([1, 0]))
    result = backend.reset([5, None], None, np.array([False, True]))
    assert result.observations[0].tolist()[1] == 1.0  # sub-env 0 was not reset: t == 1
    assert result.observations[1].tolist()[1] == 0.0
    assert result.infos[0] == {}
    assert result.infos[1]["seeded"] is False
    backend.close()


def test_an_env_instance_is_left_open_for_its_owner() -> None:
    env = InfoEnv()
    backend = GymBackend(env)
    backend.open(None)
    backend.close()
    assert backend.envs == [env]
    with pytest.raises(ValueError, match="num_envs=1"):
        GymBackend(env, num_envs=2)


def test_serve_refuses_an_env_instance() -> None:
    with pytest.raises(TypeError, match="factory"):
        rlay.serve(InfoEnv(), "tcp://127.0.0.1:0")  # type: ignore[arg-type]


def test_several_agents_each_get_their_own_env(opener: Opener, transport: str) -> None:
    host = opener.host("CartPole-v1", transport)
    first = rlay.ClientEnv(host.address, timeout=TIMEOUT)
    second = rlay.ClientEnv(host.address, timeout=TIMEOUT)
    local_first, local_second = gym.make("CartPole-v1"), gym.make("CartPole-v1")
    pairs = [(first, local_first, 1), (second, local_second, 2)]
    for remote, local, seed in pairs:
        np.testing.assert_array_equal(remote.reset(seed=seed)[0], local.reset(seed=seed)[0])
    for action in [0, 1, 1, 0, 1]:
        for remote, local, _ in pairs:
            np.testing.assert_array_equal(remote.step(action)[0], local.step(action)[0])
    assert host.active_sessions == 2
    first.close()
    second.close()
    deadline = time.monotonic() + TIMEOUT
    while host.active_sessions and time.monotonic() < deadline:
        time.sleep(0.01)
    assert host.active_sessions == 0


def test_host_close_ends_its_sessions(opener: Opener) -> None:
    host = rlay.serve("CartPole-v1", "tcp://127.0.0.1:0").start()
    env = rlay.ClientEnv(host.address, timeout=TIMEOUT)
    env.reset(seed=0)
    host.close()
    with pytest.raises(rlay.ConnectionClosed):
        env.step(0)
    env.close()


def test_serve_on_a_taken_address(opener: Opener) -> None:
    host = opener.host("CartPole-v1")
    with pytest.raises(rlay.AddressInUse):
        rlay.serve("CartPole-v1", host.address)


def test_serve_as_a_context_manager() -> None:
    with rlay.serve("CartPole-v1") as host:
        assert host.address.startswith("tcp://127.0.0.1:")
        with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
            assert env.reset(seed=0)[0].shape == (4,)


def test_serve_forever_inside_the_context_manager() -> None:
    """The documented ``with serve(...) as host: host.serve_forever()`` serves until closed."""
    errors: list[BaseException] = []
    with rlay.serve("CartPole-v1") as host:

        def agent() -> None:
            try:
                with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
                    env.reset(seed=0)
                    env.step(0)
            except BaseException as error:
                errors.append(error)
            finally:
                host.close()

        thread = threading.Thread(target=agent)
        thread.start()
        host.serve_forever()  # returns once close() is called
        thread.join(TIMEOUT)
    assert errors == []


def test_a_garbage_client_first_does_not_stop_the_host(caplog: pytest.LogCaptureFixture) -> None:
    """The listening env side drops a non-rlay connection (logged) and serves the next."""
    with rlay.serve("CartPole-v1") as host:
        port = int(host.address.rsplit(":", 1)[1])
        with (
            caplog.at_level("WARNING", logger="rlay"),
            socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as bad,
        ):
            bad.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            bad.settimeout(TIMEOUT)
            while bad.recv(4096):  # until the host closes it
                pass
        with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
            assert env.reset(seed=0)[0].shape == (4,)
    assert "does not speak rlay" in caplog.text


def test_dial_gives_up_after_its_retry_timeout(short_dir: str) -> None:
    start = time.monotonic()
    with pytest.raises(rlay.Unreachable, match="nothing listens at"):
        rlay.dial("CartPole-v1", address_for("unix", short_dir), retry_timeout=0.5)
    assert time.monotonic() - start < 3.0


def test_dial_retries_until_the_agent_listens(short_dir: str) -> None:
    address = address_for("unix", short_dir)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rlay.dial("CartPole-v1", address, retry_timeout=TIMEOUT)
        except BaseException as error:  # reported below
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(0.3)  # the env side is already retrying when the agent starts listening
    with rlay.ServerEnv(address, timeout=TIMEOUT, accept_timeout=TIMEOUT) as env:
        assert env.reset(seed=0)[0].shape == (4,)
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert errors == []


def test_dial_with_a_custom_backend(short_dir: str) -> None:
    backend = GymBackend(InfoEnv)
    backend.register_call("triple", lambda envs, value: value * 3)
    env = rlay.ServerEnv(wait=False, timeout=TIMEOUT, accept_timeout=TIMEOUT)
    thread = threading.Thread(
        target=rlay.dial, args=(backend, env.address), kwargs={"retry_timeout": TIMEOUT}
    )
    thread.start()
    try:
        assert env.call("triple", 14) == 42
    finally:
        env.close()
        thread.join(TIMEOUT)


def test_hello_timeout_frees_a_silent_connection(short_dir: str) -> None:
    host = rlay.serve("CartPole-v1", hello_timeout=0.3).start()
    try:
        from rlay.transports import connect

        silent = connect(host.address, side="agent", timeout=TIMEOUT)
        time.sleep(0.1)
        assert host.active_sessions == 1
        with pytest.raises(rlay.ConnectionClosed):
            silent.recv(TIMEOUT)
        # The session thread counts itself out just after closing the connection.
        deadline = time.monotonic() + TIMEOUT
        while host.active_sessions and time.monotonic() < deadline:
            time.sleep(0.01)
        assert host.active_sessions == 0
        silent.close()
    finally:
        host.close()


def test_serve_registers_calls() -> None:
    def scale(envs: list[gym.Env[Any, Any]], value: Any) -> Any:
        return [value * 2 for _ in envs]

    with rlay.serve("CartPole-v1", "tcp://127.0.0.1:0", calls={"scale": scale}) as host:
        host.start()
        with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
            assert env.call("scale", 21) == [42]
            assert env.call("get_attr", "gravity") == [9.8]  # the built-ins remain


def test_a_backend_declares_max_episode_steps_of_envs_without_a_spec() -> None:
    def backend() -> GymBackend:
        return GymBackend(lambda: gym.make("CartPole-v1").unwrapped, max_episode_steps=7)

    with rlay.Host(backend, "tcp://127.0.0.1:0") as host:
        host.start()
        with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
            assert env.spec is not None
            assert env.spec.max_episode_steps == 7


class _GridActions(gym.Env[np.ndarray, np.ndarray]):
    observation_space = gym.spaces.Box(0, 1, (2,), np.float32)
    action_space = gym.spaces.MultiDiscrete([3, 3])

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple:  # type: ignore[type-arg]
        return np.zeros(2, np.float32), {}

    def step(self, action: np.ndarray) -> tuple:  # type: ignore[type-arg]
        return np.zeros(2, np.float32), 0.0, False, False, {}


def test_actions_outside_the_space_name_the_space_and_the_sub_env() -> None:
    with rlay.serve(_GridActions) as host:
        with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
            env.reset(seed=0)
            with pytest.raises(rlay.InvalidValue, match=r"'left' is not in MultiDiscrete"):
                env.step("left")
            env.step(np.array([2, 2]))  # the session goes on
        with rlay.serve(_GridActions, num_envs=2) as vector_host:
            envs = rlay.ClientVectorEnv(vector_host.address, timeout=TIMEOUT)
            envs.reset(seed=0)
            with pytest.raises(rlay.RemoteError, match=r"sub-environment 1: action \[5, 0\]"):
                envs.step(np.array([[0, 0], [5, 0]]))
            envs.close()
