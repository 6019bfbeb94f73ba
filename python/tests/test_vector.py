"""ClientVectorEnv / ServerVectorEnv against gymnasium.vector.SyncVectorEnv."""

from __future__ import annotations

from functools import partial
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from conftest import InfoEnv, Opener
from gymnasium.utils.env_checker import data_equivalence
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.vector.utils import batch_space

pytestmark = pytest.mark.timeout(60)

N = 3


def short_cartpole(**kwargs: Any) -> gym.Env[Any, Any]:
    """CartPole with a short time limit, so that truncations happen in a few steps."""
    return gym.make("CartPole-v1", max_episode_steps=8, **kwargs)


def vector_rollout(envs: Any, seed: int, steps: int) -> list[tuple[Any, ...]]:
    """Step a vector env with seeded random actions; reset ended sub-envs (DISABLED)."""
    disabled = envs.metadata["autoreset_mode"] == AutoresetMode.DISABLED
    envs.action_space.seed(seed)
    trajectory: list[tuple[Any, ...]] = [envs.reset(seed=seed)]
    for _ in range(steps):
        obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
        trajectory.append((obs, rewards, terminations, truncations, infos))
        ended = np.logical_or(terminations, truncations)
        if disabled and ended.any():
            trajectory.append(envs.reset(options={"reset_mask": ended}))
    return trajectory


def assert_same(expected: list[tuple[Any, ...]], got: list[tuple[Any, ...]]) -> None:
    assert len(expected) == len(got)
    for index, (a, b) in enumerate(zip(expected, got, strict=True)):
        assert data_equivalence(a, b, exact=True), f"entry {index}:\n{a}\n!=\n{b}"


@pytest.mark.parametrize("autoreset", list(AutoresetMode))
@pytest.mark.parametrize(("factory", "steps"), [(short_cartpole, 24), (InfoEnv, 20)])
def test_matches_sync_vector_env(
    opener: Opener, mode: str, transport: str, autoreset: AutoresetMode, factory: Any, steps: int
) -> None:
    local = SyncVectorEnv([factory] * N, autoreset_mode=autoreset)
    expected = vector_rollout(local, seed=11, steps=steps)
    local.close()
    envs = opener.open(factory, mode, transport, vector=True, num_envs=N, autoreset_mode=autoreset)
    assert envs.num_envs == N
    assert envs.metadata["autoreset_mode"] == autoreset
    assert envs.single_observation_space == local.single_observation_space
    assert envs.observation_space == batch_space(local.single_observation_space, N)
    assert envs.action_space == local.action_space
    assert_same(expected, vector_rollout(envs, seed=11, steps=steps))


def test_same_step_reports_final_obs_and_info(opener: Opener) -> None:
    envs = opener.open(
        partial(InfoEnv, limit=2), vector=True, num_envs=2, autoreset_mode="same_step"
    )
    envs.reset(seed=0)
    envs.step(np.array([0, 0]))
    obs, _, _, truncations, infos = envs.step(np.array([0, 0]))
    assert truncations.tolist() == [True, True]
    assert infos["_final_obs"].tolist() == [True, True]
    assert infos["final_obs"][0][1] == 2.0  # the ending observation: t == 2
    assert obs[0][1] == 0.0  # the new episode's first observation
    assert infos["final_info"]["t"].tolist() == [2, 2]


def test_default_autoreset_mode_is_next_step_for_batches(opener: Opener) -> None:
    envs = opener.open("CartPole-v1", vector=True, num_envs=2)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP


def test_list_seeds_and_bad_seed_lengths(opener: Opener) -> None:
    envs = opener.open(InfoEnv, vector=True, num_envs=2)
    local = SyncVectorEnv([InfoEnv] * 2)
    assert data_equivalence(local.reset(seed=[5, None])[0][0], envs.reset(seed=[5, None])[0][0])
    with pytest.raises(ValueError, match="num_envs=2"):
        envs.reset(seed=[1, 2, 3])


def test_reset_mask_is_checked_like_sync_vector_env(opener: Opener) -> None:
    envs = opener.open(InfoEnv, vector=True, num_envs=2, autoreset_mode="disabled")
    envs.reset(seed=0)
    with pytest.raises(TypeError):
        envs.reset(options={"reset_mask": [True, False]})
    with pytest.raises(ValueError, match="at least one True"):
        envs.reset(options={"reset_mask": np.array([False, False])})
    options = {"reset_mask": np.array([True, False])}
    envs.reset(options=options)
    assert "reset_mask" in options  # the caller's dict is left alone


def test_stepping_an_ended_sub_env_without_reset_is_refused(opener: Opener) -> None:
    envs = opener.open(
        partial(InfoEnv, limit=1), vector=True, num_envs=2, autoreset_mode="disabled"
    )
    envs.reset(seed=0)
    envs.step(np.array([0, 0]))
    with pytest.raises(Exception, match="reset it"):
        envs.step(np.array([0, 0]))
    envs.reset(options={"reset_mask": np.array([True, True])})
    assert envs.step(np.array([0, 0]))[3].tolist() == [True, True]


def test_render_get_attr_set_attr(opener: Opener, mode: str) -> None:
    envs = opener.open(
        InfoEnv, mode, vector=True, num_envs=2, agent_kwargs={"render_mode": "rgb_array"}
    )
    envs.reset(seed=0)
    frames = envs.render()
    assert len(frames) == 2
    assert frames[0].shape == (4, 5, 3)
    assert envs.get_attr("limit") == (6, 6)
    envs.set_attr("scale", [1.0, 3.0])
    assert envs.step(np.array([1, 1]))[1].tolist() == [1.0, 3.0]
    envs.set_attr("scale", 0.5)
    assert envs.get_attr("scale") == (0.5, 0.5)
