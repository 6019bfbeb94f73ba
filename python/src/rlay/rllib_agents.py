"""An rlay multi-agent env as an RLlib ``MultiAgentEnv`` (new API stack).

rlay's multi-agent games respawn agents under the same name (an agent ends, then
appears again later: a new life), and an agent may pause (not live for some steps,
then deciding again). RLlib's ``MultiAgentEpisode`` takes no agent id that acts again
after it was done, and RLlib's connectors know only the agent ids an env declares in
``possible_agents``. This adapter maps one onto the other:

* **Each life of an agent is an agent id of its own**: within one RLlib episode the
  first life keeps the name (``"runner_0"``), later lives append their number
  (``"runner_0#2"``, ``"runner_0#3"``) up to ``lives`` (default 4); ``possible_agents``
  lists every such id. Every id maps to its agent's behaviour (:class:`BehaviorMapping`),
  so all lives of all agents of a behaviour train one policy.
* **An RLlib episode is cut, the game goes on** when an agent would need more lives, or
  when every agent of the RLlib episode ended while others spawned (RLlib would end its
  episode there): the step ends the RLlib episode as truncated (each alive agent with an
  observation, so its value is bootstrapped), and the next ``reset()`` without a seed
  does not reset the game but starts a new RLlib episode with the live agents, whose
  lives count from 1 again.
* **A paused agent** (it acted, then is not live) is reported with its reward only; RLlib
  keeps its action pending and completes the step when the agent is live again, with
  the rewards accrued in between.
* A ``Discrete``/``MultiDiscrete`` action space with a ``start`` is shown to RLlib from
  0 (RLlib samples from 0) and shifted back before the step.
* ``flatten_observations=True`` shows every observation as a flat float32 ``Box``
  (gymnasium's ``flatten``: a Discrete one-hot, a Dict concatenated), what RLlib's
  default models take.

Example::

    remote = rlay.ParallelClientEnv("tcp://127.0.0.1:7000")
    env = RLlibMultiAgentEnv(remote, flatten_observations=True)
    observations, infos = env.reset(seed=0)       # {"runner_0": ..., "scout_0": ...}
    env.get_observation_space("runner_0#2")       # the runner behaviour's space
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from rlay.errors import InvalidValue
from rlay.parallel_env import RemoteParallelEnv

__all__ = ["LIFE_SEPARATOR", "BehaviorMapping", "RLlibMultiAgentEnv", "agent_name"]

#: Between an agent's name and its life number in an RLlib agent id (``"runner_0#2"``).
LIFE_SEPARATOR = "#"


def agent_name(agent_id: str, names: Mapping[str, Any] | set[str]) -> str:
    """The rlay agent name of an RLlib agent id (``"runner_0#2"`` → ``"runner_0"``)."""
    if agent_id in names:
        return agent_id
    name, separator, life = agent_id.rpartition(LIFE_SEPARATOR)
    if separator and life.isdigit() and name in names:
        return name
    raise InvalidValue(f"{agent_id!r} is not an agent of this env (agents: {sorted(names)})")


class BehaviorMapping:
    """RLlib's ``policy_mapping_fn``: an agent id (any life) → its behaviour's name.

    Picklable, so Ray ships it to every env runner and learner. Example::

        mapping = BehaviorMapping({"runner_0": "runner", "scout_0": "scout"})
        mapping("runner_0#3")   # "runner"
    """

    def __init__(self, behavior_of: Mapping[str, str]) -> None:
        self.behavior_of = dict(behavior_of)

    def __call__(self, agent_id: str, episode: Any = None, **kwargs: Any) -> str:
        return self.behavior_of[agent_name(agent_id, self.behavior_of)]

    def __repr__(self) -> str:
        return f"BehaviorMapping({self.behavior_of!r})"


class _Flat:
    """An observation space as a flat float32 Box, and the conversion."""

    def __init__(self, space: gym.Space[Any]) -> None:
        self.original = space
        flat = gym.spaces.flatten_space(space)
        if not isinstance(flat, gym.spaces.Box):
            raise InvalidValue(f"flatten_observations: {space} has no flat Box form")
        self.space = gym.spaces.Box(
            flat.low.astype(np.float32), flat.high.astype(np.float32), dtype=np.float32
        )

    def __call__(self, observation: Any) -> Any:
        return np.asarray(gym.spaces.flatten(self.original, observation), dtype=np.float32)


def _from_zero(space: gym.Space[Any]) -> tuple[gym.Space[Any], Any]:
    """RLlib's view of an action space and the offset to add to its actions."""
    if isinstance(space, gym.spaces.Discrete) and int(space.start) != 0:
        return gym.spaces.Discrete(int(space.n)), space.dtype.type(space.start)
    if isinstance(space, gym.spaces.MultiDiscrete) and np.any(space.start != 0):
        return gym.spaces.MultiDiscrete(space.nvec, dtype=space.dtype), space.start.copy()
    return space, None


class RLlibMultiAgentEnv(MultiAgentEnv):  # type: ignore[misc]
    """RLlib's ``MultiAgentEnv`` over a :class:`rlay.RemoteParallelEnv` (client or server).

    ``possible_agents`` holds every life's id of every agent (see the module);
    ``agents`` the ids of the agents alive now (live or paused). ``behaviors`` maps
    each behaviour to its agents, ``mapping`` is the :class:`BehaviorMapping`. Closing
    closes the rlay env.
    """

    def __init__(
        self, env: RemoteParallelEnv, *, lives: int = 4, flatten_observations: bool = False
    ) -> None:
        if lives < 1:
            raise InvalidValue(f"lives must be at least 1, not {lives}")
        self.env = env
        self.lives = lives
        self.behaviors: dict[str, list[str]] = dict(env.behaviors)
        self.mapping = BehaviorMapping(env.layout.agents)
        names = list(env.possible_agents)
        self.possible_agents = [_life_id(n, life) for life in range(1, lives + 1) for n in names]
        self.agents: list[str] = []
        self._flat: dict[str, _Flat] = {}
        observation_spaces: dict[str, gym.Space[Any]] = {}
        action_spaces: dict[str, gym.Space[Any]] = {}
        self._offsets: dict[str, Any] = {}
        for name in names:
            observation_spaces[name] = env.observation_space(name)
            if flatten_observations:
                self._flat[name] = _Flat(observation_spaces[name])
                observation_spaces[name] = self._flat[name].space
            action_spaces[name], self._offsets[name] = _from_zero(env.action_space(name))
        self.observation_spaces = {
            a: observation_spaces[agent_name(a, observation_spaces)] for a in self.possible_agents
        }
        self.action_spaces = {
            a: action_spaces[agent_name(a, action_spaces)] for a in self.possible_agents
        }
        super().__init__()
        self.metadata = dict(env.metadata)
        self.render_mode = env.render_mode
        # In the current RLlib episode: the lives each name started, the id of each alive
        # agent, the ids given an observation and those that ended. The last observation
        # of every alive agent (a paused one's, to end a cut episode with).
        self._lives: dict[str, int] = {}
        self._alive: dict[str, str] = {}
        self._seen: set[str] = set()
        self._done: set[str] = set()
        self._last: dict[str, Any] = {}
        # The live agents a cut RLlib episode hands to the next reset().
        self._carried: tuple[dict[str, Any], dict[str, Any]] | None = None

    def get_observation_space(self, agent_id: str) -> gym.Space[Any]:
        return self.observation_spaces[agent_id]

    def get_action_space(self, agent_id: str) -> gym.Space[Any]:
        return self.action_spaces[agent_id]

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Reset the game; after a cut RLlib episode (see the module) and without a seed
        or options, go on with the game's live agents in a new RLlib episode instead."""
        self._seen.clear()
        self._done.clear()
        carried, self._carried = self._carried, None
        if carried is not None and seed is None and options is None:
            observations, infos = carried
        else:
            self._alive.clear()
            self._last.clear()
            observations, infos = self.env.reset(seed=seed, options=options)
            observations = {n: self._observation(n, o) for n, o in observations.items()}
            self._last.update(observations)
        # Every alive agent (a carried paused one too) starts its first life here.
        self._lives = {name: 1 for name in self._alive.keys() | observations.keys()}
        self._alive = {name: name for name in self._lives}
        self._seen.update(observations)
        self.agents = list(self._alive.values())
        return observations, {name: infos.get(name, {}) for name in observations}

    def step(
        self, action_dict: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Step the game with the live agents' actions (keyed by RLlib id)."""
        actions = {}
        for agent_id, action in action_dict.items():
            name = agent_name(agent_id, self._lives)
            if self._alive.get(name) != agent_id:
                raise InvalidValue(
                    f"{agent_id!r} is not an alive agent of this env (alive: {self.agents})"
                )
            offset = self._offsets[name]
            actions[name] = action if offset is None else np.asarray(action) + offset
        raw_observations, raw_rewards, raw_terminated, raw_truncated, raw_infos = self.env.step(
            actions
        )
        live = set(self.env.agents)
        reported = raw_rewards.keys() | raw_observations.keys()
        for name in reported & raw_observations.keys():
            self._last[name] = self._observation(name, raw_observations[name])
        ended = {n for n in reported if raw_terminated.get(n) or raw_truncated.get(n)}
        born = [n for n in reported if n not in self._alive and n not in ended]
        # RLlib ends its episode when every agent it has seen is done, whoever is live.
        cut = bool(live) and (
            any(self._lives.get(n, 0) >= self.lives for n in born)
            or self._seen <= self._done | {self._alive[n] for n in ended}
        )
        observations: dict[str, Any] = {}
        rewards: dict[str, float] = {}
        terminated: dict[str, bool] = {}
        truncated: dict[str, bool] = {}
        infos: dict[str, Any] = {}
        for name in reported - set(born):
            agent_id = self._alive[name]
            rewards[agent_id] = float(raw_rewards.get(name, 0.0))
            if name in ended or name in live or cut:
                # A paused agent gets its reward only (RLlib holds its action until its
                # next observation), unless the RLlib episode ends here.
                observations[agent_id] = self._last[name]
                infos[agent_id] = raw_infos.get(name, {})
            if name in ended:
                terminated[agent_id] = bool(raw_terminated.get(name))
                truncated[agent_id] = bool(raw_truncated.get(name))
                self._done.add(agent_id)
                del self._alive[name]
                del self._last[name]
        if cut:
            for name, agent_id in self._alive.items():
                # Every agent still alive is truncated with its latest observation.
                observations.setdefault(agent_id, self._last[name])
                rewards.setdefault(agent_id, 0.0)
                terminated[agent_id], truncated[agent_id] = False, True
            self._carried = (
                {n: self._last[n] for n in live},
                {n: raw_infos.get(n, {}) for n in live},
            )
            for name in born:
                self._alive[name] = name  # renamed to first lives by the next reset()
            terminated["__all__"], truncated["__all__"] = False, True
        else:
            for name in born:
                self._lives[name] = self._lives.get(name, 0) + 1
                agent_id = self._alive[name] = _life_id(name, self._lives[name])
                observations[agent_id] = self._last[name]
                rewards[agent_id] = float(raw_rewards.get(name, 0.0))
                infos[agent_id] = raw_infos.get(name, {})
            over = not live
            time_limit = over and any(truncated.values())
            terminated["__all__"] = over and not time_limit
            truncated["__all__"] = time_limit
        self._seen.update(observations)
        self.agents = list(self._alive.values())
        return observations, rewards, terminated, truncated, infos

    def _observation(self, name: str, observation: Any) -> Any:
        flat = self._flat.get(name)
        return observation if flat is None else flat(observation)

    def render(self) -> Any:
        return self.env.render()

    def close(self) -> None:
        self.env.close()


def _life_id(name: str, life: int) -> str:
    return name if life == 1 else f"{name}{LIFE_SEPARATOR}{life}"
