"""Multi-agent envs (protocol 1.1): behaviours, named agents and their wire form.

An env may declare named agents, each of a *behaviour* that gives its observation and
action space (agents of one behaviour can share a policy). Commands then carry one
action per live agent, and replies report agents by name, batched per behaviour
(``AgentBatch`` / ``AgentActions`` in ``proto/rlay/v1/session.proto``; the rules are in
docs/protocol.md, "Multi-agent envs").

This module holds what both sides share: the :class:`AgentLayout` of an env, the
results :class:`AgentReset` / :class:`AgentStep` (dicts keyed by agent name, as
PettingZoo's ``ParallelEnv`` returns them), their encoding, and :class:`LiveAgents`,
the env side's check that every step acts for exactly the live agents.

Example::

    layout = AgentLayout.from_spaces(
        {"runner_0": Discrete(3), "runner_1": Discrete(3)},   # observation spaces
        {"runner_0": Discrete(2), "runner_1": Discrete(2)},   # action spaces
    )
    layout.behaviors[0].name      # "runner": a trailing "_<digits>" is dropped
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np

from rlay.errors import InvalidValue, ProtocolError, RemoteError, RlayError, UnsupportedSpace
from rlay.spaces import space_from_proto, space_to_proto
from rlay.tensors import decode_tensor
from rlay.v1 import session_pb2, tensor_pb2
from rlay.values import (
    decode_batch_to_elements,
    decode_value,
    fill_batch_from_elements,
    fill_value,
)

__all__ = [
    "MULTI_AGENT",
    "AgentLayout",
    "AgentReset",
    "AgentStep",
    "Behavior",
    "LiveAgents",
    "decode_reset",
    "decode_step",
    "fill_actions",
]

#: The hello capability of an agent side that can drive a multi-agent env.
MULTI_AGENT = "multi_agent"

# PettingZoo names agents "<kind>_<n>" ("piston_3", "adversary_0").
_NUMBERED = re.compile(r"^(.*\D)_\d+$")


@dataclass(frozen=True)
class Behavior:
    """A group of agents sharing one observation space and one action space."""

    name: str
    observation_space: gym.Space[Any]
    action_space: gym.Space[Any]


@dataclass(frozen=True)
class AgentLayout:
    """The behaviours of a multi-agent env and its possible agents, in order.

    ``agents`` maps each agent's name to its behaviour's name, in the env's order.
    Checks the contract's rules: non-empty unique names, known behaviours, no
    behaviour without agents.
    """

    behaviors: tuple[Behavior, ...]
    agents: Mapping[str, str]
    _by_name: dict[str, Behavior] = field(init=False, repr=False, compare=False)
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Behavior] = {}
        for behavior in self.behaviors:
            if not behavior.name or behavior.name in by_name:
                raise InvalidValue(
                    f"behaviour names must be unique and non-empty: {behavior.name!r}"
                )
            by_name[behavior.name] = behavior
        if not self.agents:
            raise InvalidValue("a multi-agent env needs at least one agent")
        for agent, behavior_name in self.agents.items():
            if not agent:
                raise InvalidValue("agent names must not be empty")
            if behavior_name not in by_name:
                raise InvalidValue(f"agent {agent!r} has an unknown behaviour {behavior_name!r}")
        unused = set(by_name) - set(self.agents.values())
        if unused:
            raise InvalidValue(f"behaviours without agents: {sorted(unused)}")
        object.__setattr__(self, "agents", dict(self.agents))
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_index", {a: i for i, a in enumerate(self.agents)})

    @classmethod
    def from_spaces(
        cls,
        observation_spaces: Mapping[str, gym.Space[Any]],
        action_spaces: Mapping[str, gym.Space[Any]],
        behaviors: Mapping[str, str] | None = None,
    ) -> AgentLayout:
        """Group agents into behaviours (agent order = ``observation_spaces`` order).

        ``behaviors`` maps agents to behaviour names; without it an agent named
        ``"<kind>_<n>"`` belongs to behaviour ``"<kind>"`` and any other agent to a
        behaviour of its own name. A group whose agents' spaces differ is split: each
        of its agents becomes a behaviour of its own name.
        """
        agents = list(observation_spaces)
        if set(action_spaces) != set(agents):
            raise InvalidValue("observation and action spaces name different agents")
        wanted: dict[str, str] = {}
        for agent in agents:
            if behaviors is not None and agent in behaviors:
                wanted[agent] = behaviors[agent]
            else:
                match = _NUMBERED.match(agent)
                wanted[agent] = match.group(1) if match else agent
        groups: dict[str, list[str]] = {}
        for agent in agents:
            groups.setdefault(wanted[agent], []).append(agent)
        final: dict[str, str] = {}
        for name, members in groups.items():
            first = members[0]
            alike = all(
                observation_spaces[m] == observation_spaces[first]
                and action_spaces[m] == action_spaces[first]
                for m in members
            )
            if not alike and behaviors is not None and members[0] in behaviors:
                raise InvalidValue(f"the agents of behaviour {name!r} have different spaces")
            for member in members:
                final[member] = name if alike else member
        specs: dict[str, Behavior] = {}
        for agent in agents:
            name = final[agent]
            if name not in specs:
                specs[name] = Behavior(name, observation_spaces[agent], action_spaces[agent])
        return cls(tuple(specs.values()), {agent: final[agent] for agent in agents})

    @property
    def possible_agents(self) -> list[str]:
        """Every agent, in the env's order."""
        return list(self.agents)

    def behavior_of(self, agent: str) -> Behavior:
        """The behaviour of ``agent`` (InvalidValue for an unknown agent)."""
        name = self.agents.get(agent)
        if name is None:
            raise InvalidValue(f"unknown agent {agent!r}")
        return self._by_name[name]

    def behavior(self, name: str) -> Behavior:
        """The behaviour called ``name`` (InvalidValue when there is none)."""
        found = self._by_name.get(name)
        if found is None:
            raise InvalidValue(f"unknown behaviour {name!r}")
        return found

    def observation_spaces(self) -> gym.spaces.Dict:
        """Every agent's observation space, as one Dict keyed by agent (env order)."""
        return gym.spaces.Dict(
            OrderedDict((a, self.behavior_of(a).observation_space) for a in self.agents)
        )

    def action_spaces(self) -> gym.spaces.Dict:
        """Every agent's action space, as one Dict keyed by agent (env order)."""
        return gym.spaces.Dict(
            OrderedDict((a, self.behavior_of(a).action_space) for a in self.agents)
        )

    def agents_of(self, behavior: str) -> list[str]:
        """The agents of one behaviour, in the env's order."""
        return [a for a, b in self.agents.items() if b == behavior]

    def order(self, agents: Iterable[str]) -> list[str]:
        """``agents`` in the env's order (each must be known)."""
        index = self._index
        listed = list(agents)
        for agent in listed:
            if agent not in index:
                raise InvalidValue(f"unknown agent {agent!r}")
        return sorted(listed, key=index.__getitem__)

    def fill_proto(self, spec: session_pb2.EnvSpec) -> None:
        """Write the behaviours and agents into an ``EnvSpec``."""
        for behavior in self.behaviors:
            entry = spec.behaviors.add()
            entry.name = behavior.name
            entry.observation_space.CopyFrom(space_to_proto(behavior.observation_space))
            entry.action_space.CopyFrom(space_to_proto(behavior.action_space))
        for agent, behavior_name in self.agents.items():
            spec.agents.add(name=agent, behavior=behavior_name)

    @classmethod
    def from_proto(cls, spec: session_pb2.EnvSpec) -> AgentLayout:
        """Rebuild the layout, spaces exact, from an ``EnvSpec`` that lists agents."""
        behaviors = tuple(
            Behavior(
                b.name, space_from_proto(b.observation_space), space_from_proto(b.action_space)
            )
            for b in spec.behaviors
        )
        agents: dict[str, str] = {}
        for entry in spec.agents:
            if entry.name in agents:
                raise InvalidValue(f"agent {entry.name!r} is listed twice")
            agents[entry.name] = entry.behavior
        return cls(behaviors, agents)


class AgentReset(NamedTuple):
    """The live agents after a reset: their observations and infos, keyed by name."""

    observations: dict[str, Any]
    infos: dict[str, dict[str, Any]]


class AgentStep(NamedTuple):
    """The reported agents of one step, keyed by name, and who is live after it.

    An agent is reported when it acted, ended, or became live in the step; ``live``
    lists, in the env's order, the agents that need an action in the next step.
    """

    observations: dict[str, Any]
    rewards: dict[str, float]
    terminated: dict[str, bool]
    truncated: dict[str, bool]
    infos: dict[str, dict[str, Any]]
    live: list[str]


# --------------------------------------------------------------------------- encoding


def _group(layout: AgentLayout, agents: Iterable[str]) -> list[tuple[Behavior, list[str]]]:
    """``agents`` grouped per behaviour: behaviours and agents in the env's order."""
    groups: dict[str, list[str]] = {}
    for agent in layout.order(agents):
        groups.setdefault(layout.agents[agent], []).append(agent)
    return [(layout.behavior(b.name), groups[b.name]) for b in layout.behaviors if b.name in groups]


def _fill_column(tensor: tensor_pb2.Tensor, code: int, dtype: str, values: list[Any]) -> None:
    tensor.dtype = code  # type: ignore[assignment]
    tensor.shape.append(len(values))
    tensor.data = np.asarray(values, dtype=dtype).tobytes()


def _fill_infos(target: Any, infos: Mapping[str, Mapping[str, Any]], agents: list[str]) -> None:
    # Empty when every info of the batch is empty, as for sub-environments.
    if any(infos.get(a) for a in agents):
        for agent in agents:
            fill_value(target.add(), dict(infos.get(agent) or {}), path=f"infos[{agent!r}]")


def _add_batch(
    target: Any,
    behavior: Behavior,
    agents: list[str],
    observations: Mapping[str, Any],
    infos: Mapping[str, Mapping[str, Any]],
) -> session_pb2.AgentBatch:
    """A new AgentBatch of ``agents`` with their observations and infos."""
    batch: session_pb2.AgentBatch = target.add()
    batch.behavior = behavior.name
    batch.agents.extend(agents)
    fill_batch_from_elements(
        batch.observations,
        behavior.observation_space,
        [observations[a] for a in agents],
        path=f"observations of {behavior.name!r}",
    )
    _fill_infos(batch.infos, infos, agents)
    return batch


def fill_reset(target: Any, layout: AgentLayout, result: AgentReset) -> list[str]:
    """Write a reset reply's ``agents``; returns the live agents (env side)."""
    groups = _group(layout, result.observations)
    for behavior, agents in groups:
        _add_batch(target, behavior, agents, result.observations, result.infos)
    return [a for _, agents in groups for a in agents]


def fill_step(target: Any, layout: AgentLayout, result: AgentStep) -> list[str]:
    """Write a step reply's ``agents``; returns the live agents after it (env side)."""
    live = set(result.live)
    missing = live - set(result.observations)
    if missing:
        raise RlayError(f"live agents without an observation: {layout.order(missing)}")
    for behavior, agents in _group(layout, result.observations):
        batch = _add_batch(target, behavior, agents, result.observations, result.infos)
        terminated = [bool(result.terminated.get(a, False)) for a in agents]
        truncated = [bool(result.truncated.get(a, False)) for a in agents]
        _fill_column(
            batch.rewards,
            tensor_pb2.DTYPE_FLOAT64,
            "<f8",
            [float(result.rewards.get(a, 0.0)) for a in agents],
        )
        _fill_column(batch.terminated, tensor_pb2.DTYPE_BOOL, "?", terminated)
        _fill_column(batch.truncated, tensor_pb2.DTYPE_BOOL, "?", truncated)
        flags = [a in live for a in agents]
        for agent, alive, term, trunc in zip(agents, flags, terminated, truncated, strict=True):
            if alive and (term or trunc):
                raise RlayError(f"agent {agent!r} ended but is reported live")
        _fill_column(batch.live, tensor_pb2.DTYPE_BOOL, "?", flags)
    return layout.order(live)


def fill_actions(target: Any, layout: AgentLayout, actions: Mapping[str, Any]) -> None:
    """Write a step request's ``agent_actions`` (agent side)."""
    for behavior, agents in _group(layout, actions):
        entry = target.add()
        entry.behavior = behavior.name
        entry.agents.extend(agents)
        fill_batch_from_elements(
            entry.actions,
            behavior.action_space,
            [actions[a] for a in agents],
            path=f"actions of {behavior.name!r}",
        )


def _decode_infos(batch: session_pb2.AgentBatch, n: int) -> list[dict[str, Any]]:
    if not batch.infos:
        return [{} for _ in range(n)]
    if len(batch.infos) != n:
        raise InvalidValue(f"{len(batch.infos)} infos for {n} agents")
    infos = [decode_value(v) for v in batch.infos]
    return [info if isinstance(info, dict) else {} for info in infos]


def _read_column(tensor: tensor_pb2.Tensor, dtype: Any, n: int, name: str) -> list[Any]:
    array = decode_tensor(tensor)
    if array.shape != (n,):
        raise InvalidValue(f"{name}: expected shape ({n},), got {array.shape}")
    return array.astype(dtype).tolist()  # type: ignore[no-any-return]


def _batches(
    layout: AgentLayout, batches: Iterable[session_pb2.AgentBatch]
) -> Iterable[tuple[session_pb2.AgentBatch, list[str], list[Any], list[dict[str, Any]]]]:
    seen: set[str] = set()
    for batch in batches:
        behavior = layout.behavior(batch.behavior)
        agents = list(batch.agents)
        for agent in agents:
            if layout.behavior_of(agent) is not behavior:
                raise InvalidValue(f"agent {agent!r} reported under behaviour {behavior.name!r}")
            if agent in seen:
                raise InvalidValue(f"agent {agent!r} reported twice")
            seen.add(agent)
        space = behavior.observation_space
        observations = decode_batch_to_elements(
            space, batch.observations, len(agents), path=f"observations of {behavior.name!r}"
        )
        if _has_discrete(space):
            observations = [_plain_ints(space, o) for o in observations]
        yield batch, agents, observations, _decode_infos(batch, len(agents))


def _has_discrete(space: gym.Space[Any]) -> bool:
    if isinstance(space, gym.spaces.Discrete):
        return True
    if isinstance(space, gym.spaces.Tuple):
        return any(_has_discrete(s) for s in space.spaces)
    if isinstance(space, gym.spaces.Dict):
        return any(_has_discrete(s) for s in space.spaces.values())
    return False


def _plain_ints(space: gym.Space[Any], element: Any) -> Any:
    """Discrete parts as Python ints, as rlay.ClientEnv gives them (and most envs do)."""
    if isinstance(space, gym.spaces.Discrete):
        return int(element)
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_plain_ints(s, e) for s, e in zip(space.spaces, element, strict=True))
    if isinstance(space, gym.spaces.Dict):
        return {k: _plain_ints(s, element[k]) for k, s in space.spaces.items()}
    return element


def decode_reset(layout: AgentLayout, batches: Iterable[session_pb2.AgentBatch]) -> AgentReset:
    """A reset reply's agents (agent side); ProtocolError when malformed."""
    try:
        observations: dict[str, Any] = {}
        infos: dict[str, dict[str, Any]] = {}
        for _, agents, obs, agent_infos in _batches(layout, batches):
            observations.update(zip(agents, obs, strict=True))
            infos.update(zip(agents, agent_infos, strict=True))
    except (InvalidValue, UnsupportedSpace) as error:
        raise ProtocolError(f"malformed reset reply: {error}") from error
    order = layout.order(observations)
    return AgentReset({a: observations[a] for a in order}, {a: infos[a] for a in order})


def decode_step(layout: AgentLayout, batches: Iterable[session_pb2.AgentBatch]) -> AgentStep:
    """A step reply's agents, dicts in the env's agent order (agent side); ProtocolError
    when malformed."""
    rows: list[tuple[str, Any, float, bool, bool, dict[str, Any], bool]] = []
    try:
        for batch, agents, obs, infos in _batches(layout, batches):
            n = len(agents)
            rewards = _read_column(batch.rewards, np.float64, n, "rewards")
            terminated = _read_column(batch.terminated, np.bool_, n, "terminated")
            truncated = _read_column(batch.truncated, np.bool_, n, "truncated")
            flags = _read_column(batch.live, np.bool_, n, "live")
            for i, agent in enumerate(agents):
                if flags[i] and (terminated[i] or truncated[i]):
                    raise InvalidValue(f"agent {agent!r} ended but is reported live")
                rows.append(
                    (agent, obs[i], rewards[i], terminated[i], truncated[i], infos[i], flags[i])
                )
    except (InvalidValue, UnsupportedSpace) as error:
        raise ProtocolError(f"malformed step reply: {error}") from error
    if len(layout.behaviors) > 1:
        index = layout._index
        rows.sort(key=lambda row: index[row[0]])
    return AgentStep(
        {row[0]: row[1] for row in rows},
        {row[0]: row[2] for row in rows},
        {row[0]: row[3] for row in rows},
        {row[0]: row[4] for row in rows},
        {row[0]: row[5] for row in rows},
        [row[0] for row in rows if row[6]],
    )


# --------------------------------------------------------------------------- env side


class LiveAgents:
    """The env side's record of who is live, and the checks of each step against it.

    ``None`` before the first reset (a step is FAILED_PRECONDITION); empty after an
    episode ended (a step is FAILED_PRECONDITION until the next reset).
    """

    def __init__(self, layout: AgentLayout) -> None:
        self.layout = layout
        self.live: list[str] | None = None

    def actions(self, entries: Iterable[session_pb2.AgentActions]) -> dict[str, Any]:
        """Decode a step's actions and check them: exactly one per live agent."""
        if self.live is None:
            raise RemoteError("FAILED_PRECONDITION", "step before the first reset")
        if not self.live:
            raise RemoteError(
                "FAILED_PRECONDITION", "no agent is live: the episode is over; reset first"
            )
        layout = self.layout
        live = set(self.live)
        actions: dict[str, Any] = {}
        behaviors_seen: set[str] = set()
        for entry in entries:
            behavior = layout.behavior(entry.behavior)
            if behavior.name in behaviors_seen:
                raise InvalidValue(f"behaviour {behavior.name!r} has two action entries")
            behaviors_seen.add(behavior.name)
            agents = list(entry.agents)
            for agent in agents:
                if layout.behavior_of(agent) is not behavior:
                    raise InvalidValue(f"agent {agent!r} is not of behaviour {behavior.name!r}")
                if agent in actions:
                    raise InvalidValue(f"two actions for agent {agent!r}")
                if agent not in live:
                    raise InvalidValue(f"agent {agent!r} is not live (ended or not deciding)")
                actions[agent] = None
            if not agents:
                continue
            elements = decode_batch_to_elements(
                behavior.action_space,
                entry.actions,
                len(agents),
                path=f"actions of {behavior.name!r}",
            )
            actions.update(zip(agents, elements, strict=True))
        missing = live - set(actions)
        if missing:
            raise InvalidValue(f"no action for the live agents {layout.order(missing)}")
        return actions

    def reset(self, target: Any, result: AgentReset) -> None:
        """Encode a reset reply; its agents are the live ones."""
        self.live = fill_reset(target, self.layout, result)

    def step(self, target: Any, result: AgentStep, acted: Iterable[str]) -> None:
        """Encode a step reply; every agent that acted must be reported."""
        unreported = set(acted) - set(result.observations)
        if unreported:
            raise RlayError(
                f"the env reported nothing for agents that acted: {self.layout.order(unreported)}"
            )
        self.live = fill_step(target, self.layout, result)
