"""One behaviour of a multi-agent env as a ``gymnasium.vector.VectorEnv``.

The agents of a behaviour share spaces, so a single-agent library can train one shared
policy on them: sub-environment ``i`` is the behaviour's agent ``i``. This needs agents
that are *always live*: every one of them acts in every step of an episode, and they all
end together (a time limit, a shared goal), as in ML-Agents areas or PettingZoo's MPE and
butterfly envs. When the episode ends, every sub-env resets together, in the declared
autoreset mode (NEXT_STEP as gymnasium's default, or SAME_STEP with ``final_obs`` and
``final_info`` in the infos). Agents of other behaviours, if any, act through ``others``.

Example::

    parallel = rlay.ParallelClientEnv("tcp://127.0.0.1:7000")
    envs = rlay.BehaviorVectorEnv(parallel, "agent")
    obs, infos = envs.reset(seed=0)
    obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from rlay.errors import InvalidValue, RlayError

__all__ = ["BehaviorVectorEnv", "OthersPolicy"]

#: Acts for the live agents of other behaviours: ``{agent: obs}`` -> ``{agent: action}``.
OthersPolicy = Callable[[dict[str, Any]], dict[str, Any]]


class BehaviorVectorEnv(VectorEnv[Any, Any, Any]):
    """The agents of ``behavior`` in a PettingZoo parallel env, as a ``VectorEnv``.

    ``env`` is an rlay parallel env (``ParallelClientEnv``/``ParallelServerEnv``), whose
    ``behaviors`` name the agents, or any PettingZoo ``ParallelEnv`` given ``agents``.
    ``others`` chooses the actions of live agents of other behaviours; without it every
    live agent must be of this behaviour. Raises :class:`~rlay.errors.RlayError` when an
    agent of the behaviour is not live while its episode goes on.
    """

    def __init__(
        self,
        env: Any,
        behavior: str | None = None,
        *,
        agents: Sequence[str] | None = None,
        others: OthersPolicy | None = None,
        autoreset_mode: AutoresetMode = AutoresetMode.NEXT_STEP,
    ) -> None:
        if agents is None:
            groups: dict[str, list[str]] = getattr(env, "behaviors", None) or {}
            if behavior is None and len(groups) == 1:
                behavior = next(iter(groups))
            if behavior not in groups:
                raise InvalidValue(f"no behaviour {behavior!r}; the env has {sorted(groups)}")
            agents = groups[behavior]
        if not agents:
            raise InvalidValue("a BehaviorVectorEnv needs at least one agent")
        if autoreset_mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise InvalidValue(f"autoreset mode {autoreset_mode} is not supported here")
        self.env = env
        self.behavior = behavior
        self.agents = list(agents)
        self.others = others
        self.num_envs = len(self.agents)
        first = self.agents[0]
        self.single_observation_space = env.observation_space(first)
        self.single_action_space = env.action_space(first)
        for agent in self.agents[1:]:
            if (
                env.observation_space(agent) != self.single_observation_space
                or env.action_space(agent) != self.single_action_space
            ):
                raise InvalidValue(f"agent {agent!r} has other spaces than {first!r}")
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.metadata = {
            **dict(getattr(env, "metadata", {}) or {}),
            "autoreset_mode": autoreset_mode,
        }
        self.render_mode = getattr(env, "render_mode", None)
        self._mode = autoreset_mode
        self._others_obs: dict[str, Any] = {}
        self._ended = False
        self._seed: int | None = None
        self._observations: Any = create_empty_array(self.single_observation_space, self.num_envs)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the env (all sub-envs at once; a list of seeds uses its first)."""
        if isinstance(seed, list):
            seed = seed[0] if seed else None
        if seed is not None:
            self._np_random, self._np_random_seed = gym.utils.seeding.np_random(seed)
        observations, infos = self.env.reset(seed=seed, options=options)
        self._ended = False
        return self._batch(observations), self._infos(infos)

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step every agent of the behaviour with its action (batch form)."""
        if self._ended and self._mode is AutoresetMode.NEXT_STEP:
            observations, infos = self.reset()
            zeros = np.zeros(self.num_envs, dtype=np.bool_)
            return observations, np.zeros(self.num_envs), zeros, zeros.copy(), infos
        chosen = dict(zip(self.agents, iterate(self.action_space, actions), strict=True))
        if self._others_obs:
            if self.others is None:
                raise RlayError(
                    f"agents of other behaviours are live ({sorted(self._others_obs)}); "
                    "pass others= to act for them"
                )
            chosen.update(self.others(dict(self._others_obs)))
        observations, rewards, terminated, truncated, infos = self.env.step(chosen)
        live = set(self.env.agents)
        term = np.array([bool(terminated.get(a, False)) for a in self.agents])
        trunc = np.array([bool(truncated.get(a, False)) for a in self.agents])
        ended = term | trunc
        if ended.any() and not (ended.all() and not live & set(self.agents)):
            raise RlayError(
                f"agents {[a for a, e in zip(self.agents, ended, strict=True) if e]} ended while "
                "the others go on; a BehaviorVectorEnv needs agents that are always live"
            )
        reward = np.array([float(rewards.get(a, 0.0)) for a in self.agents])
        batch = self._batch(observations)
        info = self._infos(infos)
        if ended.all():
            self._ended = True
            if self._mode is AutoresetMode.SAME_STEP:
                final_obs = np.empty(self.num_envs, dtype=object)
                final_info = np.empty(self.num_envs, dtype=object)
                for i, agent in enumerate(self.agents):
                    final_obs[i] = observations[agent]
                    final_info[i] = dict(infos.get(agent) or {})
                batch, info = self.reset()
                info = {
                    **info,
                    "final_obs": final_obs,
                    "_final_obs": np.ones(self.num_envs, dtype=np.bool_),
                    "final_info": final_info,
                    "_final_info": np.ones(self.num_envs, dtype=np.bool_),
                }
        return batch, reward, term, trunc, info

    def render(self) -> tuple[Any, ...] | None:
        """The env's frame (one for all sub-envs)."""
        frame = self.env.render()
        return None if frame is None else (frame,)

    def close_extras(self, **kwargs: Any) -> None:
        """Close the underlying env."""
        self.env.close()

    def _batch(self, observations: dict[str, Any]) -> Any:
        missing = [a for a in self.agents if a not in observations]
        if missing:
            raise RlayError(
                f"no observation for agents {missing}; a BehaviorVectorEnv needs agents that "
                "are always live"
            )
        mine = set(self.agents)
        live = set(getattr(self.env, "agents", ()))
        self._others_obs = {a: o for a, o in observations.items() if a not in mine and a in live}
        self._observations = concatenate(
            self.single_observation_space,
            [observations[a] for a in self.agents],
            self._observations,
        )
        return self._observations

    def _infos(self, infos: dict[str, dict[str, Any]]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for i, agent in enumerate(self.agents):
            info = infos.get(agent)
            if info:
                merged = self._add_info(merged, info, i)
        return merged
