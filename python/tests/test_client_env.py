"""ClientEnv (and ServerEnv, through the `mode` fixture) against local Gymnasium envs."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from conftest import IN_CI, TIMEOUT, InfoEnv, Opener
from gymnasium.utils.env_checker import check_env, data_equivalence
from gymnasium.vector import AutoresetMode

import rlay

pytestmark = pytest.mark.timeout(60)

TRAJECTORY_ENVS = ["CartPole-v1", "Blackjack-v1", "FrozenLake-v1", "MountainCarContinuous-v0"]


def rollout(env: gym.Env[Any, Any], seed: int, steps: int) -> list[tuple[Any, ...]]:
    """A seeded random-policy trajectory, resetting (unseeded) after each episode."""
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    trajectory: list[tuple[Any, ...]] = [("reset", obs, info)]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trajectory.append((obs, float(reward), terminated, truncated, info))
        if terminated or truncated:
            obs, info = env.reset()
            trajectory.append(("reset", obs, info))
    return trajectory


def assert_same_trajectory(local: list[tuple[Any, ...]], remote: list[tuple[Any, ...]]) -> None:
    assert len(local) == len(remote)
    for index, (expected, got) in enumerate(zip(local, remote, strict=True)):
        assert data_equivalence(expected, got, exact=True), f"step {index}: {expected} != {got}"


@pytest.mark.parametrize("env_id", TRAJECTORY_ENVS)
def test_seeded_trajectories_match_the_local_env(
    opener: Opener, env_id: str, transport: str, mode: str
) -> None:
    local = gym.make(env_id)
    expected = rollout(local, seed=7, steps=60)
    local.close()
    remote = opener.open(env_id, mode, transport)
    assert remote.observation_space == local.observation_space
    assert remote.action_space == local.action_space
    assert_same_trajectory(expected, rollout(remote, seed=7, steps=60))


def test_check_env_passes_on_client_env(opener: Opener, transport: str) -> None:
    env = opener.open("CartPole-v1", "client", transport)
    check_env(env)


def test_seed_zero_differs_from_no_seed(opener: Opener, mode: str) -> None:
    env = opener.open(InfoEnv, mode)
    _, info = env.reset(seed=0)
    assert info["seeded"] is True
    _, info = env.reset()
    assert info["seeded"] is False


def test_terminated_and_truncated_are_distinct(opener: Opener, mode: str) -> None:
    env = opener.open(InfoEnv, mode)
    env.reset(seed=1)
    results = [env.step(1) for _ in range(3)]
    assert [r[2] for r in results][-1] is True  # reached position 3: an MDP end
    assert not any(r[3] for r in results)
    env.reset(seed=1)
    results = [env.step(0) for _ in range(6)]
    assert [r[3] for r in results] == [False] * 5 + [True]
    assert not any(r[2] for r in results)


def test_infos_and_options_travel_exactly(opener: Opener, mode: str, transport: str) -> None:
    local = InfoEnv()
    env = opener.open(InfoEnv, mode, transport)
    expected_reset = local.reset(seed=3, options={"level": "b", "n": 2})
    got_reset = env.reset(seed=3, options={"level": "b", "n": 2})
    assert data_equivalence(expected_reset, got_reset, exact=True)
    assert got_reset[1]["options"] == {"level": "b", "n": 2}
    for _ in range(2):
        expected, got = local.step(0), env.step(0)
        assert data_equivalence(expected, got, exact=True), (expected, got)
    assert got[4]["even"]["vec"].dtype == np.int16
    assert isinstance(got[4]["pos"], np.float32)


def test_metadata_spec_and_render_rgb_array(opener: Opener, mode: str) -> None:
    env = opener.open("CartPole-v1", mode, agent_kwargs={"render_mode": "rgb_array"})
    assert env.render_mode == "rgb_array"
    assert env.metadata["render_modes"] == ["human", "rgb_array"]
    assert env.metadata["render_fps"] == 50
    assert env.metadata["autoreset_mode"] == AutoresetMode.DISABLED
    assert env.spec.max_episode_steps == 500
    local = gym.make("CartPole-v1", render_mode="rgb_array")
    local.reset(seed=5)
    env.reset(seed=5)
    frame = env.render()
    assert frame.dtype == np.uint8
    assert frame.shape == (400, 600, 3)
    np.testing.assert_array_equal(frame, local.render())
    local.close()


def test_render_ansi_from_a_factory(opener: Opener) -> None:
    env = opener.open(InfoEnv, agent_kwargs={"render_mode": "ansi"})
    env.reset(seed=0)
    assert env.render() == f"pos={env.call('get_attr', 'position')[0]}"


def test_unsupported_render_mode_is_refused(opener: Opener) -> None:
    host = opener.host("CartPole-v1")
    with pytest.raises(rlay.RemoteError) as caught:
        rlay.ClientEnv(host.address, render_mode="ansi", timeout=TIMEOUT)
    assert caught.value.code == "INVALID_ARGUMENT"


def test_call_builtins_and_registered_commands(opener: Opener, mode: str) -> None:
    env = opener.open(InfoEnv, mode)
    env.reset(seed=0)
    assert env.call("get_attr", "limit") == [6]
    assert env.call("set_attr", {"name": "scale", "value": 2.5}) is None
    assert env.step(1)[1] == 2.5
    assert env.call("call_method", {"name": "render"})[0].shape == (4, 5, 3)
    with pytest.raises(rlay.RemoteError) as caught:
        env.call("no_such_command", 1)
    assert caught.value.code == "UNIMPLEMENTED"
    assert env.step(1)[1] == 2.5  # an unknown command leaves the session going


def test_register_call_on_a_backend() -> None:
    backend = rlay.GymBackend(InfoEnv)
    backend.register_call("double", lambda envs, value: value * 2)
    backend.open(None)
    assert backend.call("double", 21) == 42
    backend.close()


def test_gymnasium_make_with_the_registered_id(opener: Opener) -> None:
    host = opener.host("CartPole-v1")
    env = gym.make("rlay/ClientEnv-v0", address=host.address, timeout=TIMEOUT)
    try:
        obs, _ = env.reset(seed=0)
        assert env.observation_space.contains(obs)
    finally:
        env.close()
    assert "rlay/ServerEnv-v0" in gym.registry


def test_a_vector_host_needs_client_vector_env(opener: Opener) -> None:
    host = opener.host("CartPole-v1", num_envs=2)
    with pytest.raises(rlay.InvalidValue, match="ClientVectorEnv"):
        rlay.ClientEnv(host.address, timeout=TIMEOUT)


def test_close_twice_and_use_after_close(opener: Opener) -> None:
    env = opener.open("CartPole-v1")
    env.close()
    env.close()
    with pytest.raises(rlay.ConnectionClosed):
        env.reset()


def test_context_manager_closes(opener: Opener) -> None:
    host = opener.host("CartPole-v1")
    with rlay.ClientEnv(host.address, timeout=TIMEOUT) as env:
        env.reset(seed=1)
    with pytest.raises(rlay.ConnectionClosed):
        env.step(0)


def test_nothing_listening_is_unreachable_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    """The error names the address, the attempts and the time; a long wait is logged."""
    with pytest.raises(rlay.Unreachable, match=r"nothing listens at tcp://127.0.0.1:9 \(tried"):
        rlay.ClientEnv("tcp://127.0.0.1:9", connect_timeout=0.5)
    assert "retrying" not in caplog.text  # short waits stay quiet
    with (
        caplog.at_level("WARNING", logger="rlay.connect"),
        pytest.raises(rlay.Unreachable, match=r"tried \d+ times over \d+\.\d s"),
    ):
        rlay.ClientEnv("tcp://127.0.0.1:9", connect_timeout=3.5)
    assert caplog.text.count("nothing listens at tcp://127.0.0.1:9 yet; retrying") == 1


@pytest.mark.sb3
@pytest.mark.timeout(300)
def test_stable_baselines3_ppo_trains_through_client_env(opener: Opener) -> None:
    if not IN_CI:
        pytest.importorskip("stable_baselines3")
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    env = opener.open("CartPole-v1")
    sb3_check_env(env)
    model = PPO("MlpPolicy", env, n_steps=256, batch_size=64, n_epochs=2, seed=0, device="cpu")
    model.learn(total_timesteps=512)
    assert model.num_timesteps >= 512
    action, _ = model.predict(env.reset(seed=0)[0], deterministic=True)
    assert env.action_space.contains(int(action))


def test_gymnasium_make_without_importing_rlay_first() -> None:
    """The documented ``rlay:rlay/ClientEnv-v0`` works in a process that never imported rlay."""
    code = (
        "import sys, gymnasium\n"
        "assert 'rlay' not in sys.modules\n"
        "try:\n"
        "    gymnasium.make('rlay:rlay/ClientEnv-v0', address='tcp://127.0.0.1:9',"
        " connect_timeout=0.2)\n"
        "except Exception as error:\n"
        "    print(type(error).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "Unreachable", result.stderr
