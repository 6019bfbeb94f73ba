"""MultiVectorEnv: several launched env programs as one vector env."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from conftest import TIMEOUT
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import rlay
from rlay.multi import RELAUNCHED_KEY

pytestmark = pytest.mark.timeout(120)

DIAL = [sys.executable, "-m", "rlay", "dial"]

# Dials CartPole-v1 with two sub-envs; the instance given index 1 in its argv writes a
# line to stderr and exits with code 7 at its third step.
DYING = textwrap.dedent(
    """
    import os, sys, gymnasium as gym, rlay

    class Dies(gym.Wrapper):
        steps = 0
        def step(self, action):
            Dies.steps += 1
            if sys.argv[1] == "1" and Dies.steps == 3:
                print("fatal: the level failed to load", file=sys.stderr, flush=True)
                os._exit(7)
            return self.env.step(action)

    rlay.dial(lambda: Dies(gym.make("CartPole-v1")), os.environ["RLAY_ADDRESS"], num_envs=1)
    """
)


def _local(mode: AutoresetMode, n: int) -> SyncVectorEnv:
    return SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(n)], autoreset_mode=mode)


def _same(a: Any, b: Any) -> None:
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("mode", ["next_step", "same_step"])
def test_two_instances_step_like_one_sync_vector_env(mode: str) -> None:
    launch = [*DIAL, "CartPole-v1", "--num-envs", "2", "--autoreset-mode", mode]
    autoreset = AutoresetMode({"next_step": "NextStep", "same_step": "SameStep"}[mode])
    local = _local(autoreset, 4)
    with rlay.MultiVectorEnv(launch, instances=2, timeout=TIMEOUT) as envs:
        assert envs.num_envs == 4
        assert envs.metadata["autoreset_mode"] is autoreset
        assert [envs.instance_of(i) for i in range(4)] == [0, 0, 1, 1]
        obs, _ = envs.reset(seed=3)
        expected, _ = local.reset(seed=3)
        _same(obs, expected)
        rng = np.random.default_rng(0)
        ended = 0
        for _ in range(80):
            actions = rng.integers(0, 2, size=4)
            got = envs.step(actions)
            want = local.step(actions)
            for g, w in zip(got[:4], want[:4], strict=True):
                _same(g, w)
            if mode == "same_step" and "final_obs" in want[4]:
                mask = want[4]["_final_obs"]
                _same(got[4]["_final_obs"], mask)
                for i in np.flatnonzero(mask):
                    _same(got[4]["final_obs"][i], want[4]["final_obs"][i])
            ended += int(np.sum(want[2] | want[3]))
        assert ended > 0  # episodes ended, so the autoreset mode was exercised
    local.close()


def test_a_masked_reset_keeps_the_other_instances_observations() -> None:
    launch = [*DIAL, "CartPole-v1", "--num-envs", "1"]
    with rlay.MultiVectorEnv(launch, instances=2, timeout=TIMEOUT) as envs:
        assert envs.metadata["autoreset_mode"] is AutoresetMode.DISABLED
        first, _ = envs.reset(seed=0)
        stepped, *_ = envs.step(np.array([1, 1]))
        obs, _ = envs.reset(seed=[None, 5], options={"reset_mask": np.array([False, True])})
        _same(obs[0], stepped[0])  # instance 0 was not reset
        _same(obs[1], gym.make("CartPole-v1").reset(seed=5)[0])
        assert not np.array_equal(obs[0], first[0])


def test_a_dead_instance_is_reported_with_its_exit_code_and_stderr() -> None:
    launch = [sys.executable, "-c", DYING, "{index}"]
    envs = rlay.MultiVectorEnv(launch, instances=2, timeout=TIMEOUT)
    try:
        envs.reset(seed=0)
        envs.step(np.array([0, 0]))
        envs.step(np.array([0, 0]))
        with pytest.raises(rlay.ProcessDied) as caught:
            envs.step(np.array([0, 0]))
        assert caught.value.returncode == 7
        assert "the level failed to load" in caught.value.stderr_tail
        assert "instance 1 of 2" in str(caught.value)
    finally:
        envs.close()


def test_a_killed_instance_is_relaunched_and_its_episode_truncated() -> None:
    launch = [*DIAL, "CartPole-v1", "--num-envs", "2", "--autoreset-mode", "next_step"]
    with rlay.MultiVectorEnv(launch, instances=2, timeout=TIMEOUT, relaunch=1) as envs:
        envs.reset(seed=0)
        before, *_ = envs.step(np.zeros(4, dtype=np.int64))
        launcher = envs.instances[1]._launcher
        assert launcher is not None
        launcher.process.kill()
        launcher.process.wait(TIMEOUT)
        obs, _, _, truncated, infos = envs.step(np.zeros(4, dtype=np.int64))
        assert truncated.tolist() == [False, False, True, True]
        assert infos["_" + RELAUNCHED_KEY].tolist() == [False, False, True, True]
        assert "code -9" in infos[RELAUNCHED_KEY][2]
        _same(obs[2:], before[2:])  # the ending observation, as NEXT_STEP returns it
        assert envs.relaunched == 1
        # NEXT_STEP: the step after the end is the new instance's reset.
        obs, rewards, _, truncated, _ = envs.step(np.zeros(4, dtype=np.int64))
        assert rewards.tolist() == [1.0, 1.0, 0.0, 0.0]
        assert not truncated.any()
        assert np.all(np.abs(obs[2:]) <= 0.05)  # CartPole's reset state
        obs, rewards, *_ = envs.step(np.zeros(4, dtype=np.int64))
        assert rewards.tolist() == [1.0, 1.0, 1.0, 1.0]
        # No relaunch is left: the next death is raised.
        launcher = envs.instances[0]._launcher
        assert launcher is not None
        launcher.process.kill()
        with pytest.raises(rlay.ProcessDied, match="instance 0 of 2"):
            envs.step(np.zeros(4, dtype=np.int64))


def test_same_step_relaunch_returns_the_reset_and_the_final_observation() -> None:
    launch = [*DIAL, "CartPole-v1", "--num-envs", "1", "--autoreset-mode", "same_step"]
    with rlay.MultiVectorEnv(launch, instances=2, timeout=TIMEOUT, relaunch=1) as envs:
        envs.reset(seed=0)
        before, *_ = envs.step(np.array([1, 1]))
        launcher = envs.instances[0]._launcher
        assert launcher is not None
        launcher.process.kill()
        launcher.process.wait(TIMEOUT)
        obs, _, _, truncated, infos = envs.step(np.array([1, 1]))
        assert truncated.tolist() == [True, False]
        _same(infos["final_obs"][0], before[0])
        assert "code -9" in infos["final_info"][RELAUNCHED_KEY][0]
        assert np.all(np.abs(obs[0]) <= 0.05)


def test_the_address_placeholder_replaces_the_appended_flag() -> None:
    launch = [*DIAL, "CartPole-v1", "--address", "{address}"]
    with rlay.MultiVectorEnv(launch, instances=1, timeout=TIMEOUT) as envs:
        launcher = envs.instances[0]._launcher
        assert launcher is not None
        assert "-rlay-address" not in launcher.command
        assert envs.instances[0].address in launcher.command
        obs, _ = envs.reset(seed=1)
        assert obs.shape == (1, 4)


def test_instances_that_declare_different_spaces_are_refused() -> None:
    script = "import os, sys, rlay; rlay.dial(sys.argv[1], os.environ['RLAY_ADDRESS'])"
    env_id = "{index}"
    launch = [
        sys.executable,
        "-c",
        script.replace("sys.argv[1]", "['CartPole-v1', 'MountainCar-v0'][int(sys.argv[1])]"),
        env_id,
    ]
    with pytest.raises(rlay.InvalidValue, match="instance 1 declares observation_space"):
        rlay.MultiVectorEnv(launch, instances=2, timeout=TIMEOUT)


def test_a_fixed_address_needs_the_index_field() -> None:
    with pytest.raises(rlay.InvalidAddress, match="needs its own address"):
        rlay.MultiVectorEnv([*DIAL, "CartPole-v1"], instances=2, address="tcp://127.0.0.1:7000")


def test_unix_addresses_from_a_template(short_dir: str) -> None:
    address = f"unix://{short_dir}/game-{{index}}.sock"
    with rlay.MultiVectorEnv([*DIAL, "CartPole-v1"], instances=2, address=address) as envs:
        assert [i.address for i in envs.instances] == [
            f"unix://{short_dir}/game-0.sock",
            f"unix://{short_dir}/game-1.sock",
        ]
        obs, _ = envs.reset(seed=0)
        assert obs.shape == (2, 4)


def test_next_step_emulated_over_single_env_games_steps_like_sync_vector_env() -> None:
    # `rlay dial CartPole-v1` hosts one sub-env that resets only when told (DISABLED).
    local = _local(AutoresetMode.NEXT_STEP, 3)
    launch = [*DIAL, "CartPole-v1"]
    with rlay.MultiVectorEnv(
        launch, instances=3, timeout=TIMEOUT, autoreset_mode="next_step"
    ) as envs:
        assert envs.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
        _same(envs.reset(seed=9)[0], local.reset(seed=9)[0])
        rng = np.random.default_rng(1)
        ended = 0
        for _ in range(60):
            actions = rng.integers(0, 2, size=3)
            got, want = envs.step(actions), local.step(actions)
            for g, w in zip(got[:4], want[:4], strict=True):
                _same(g, w)
            ended += int(np.sum(want[2] | want[3]))
        assert ended > 0
    local.close()


def test_only_next_step_over_single_env_games_is_emulated() -> None:
    launch = [*DIAL, "CartPole-v1", "--num-envs", "2", "--autoreset-mode", "disabled"]
    with pytest.raises(rlay.InvalidValue, match="one sub-environment each"):
        rlay.MultiVectorEnv(launch, instances=1, timeout=TIMEOUT, autoreset_mode="next_step")
