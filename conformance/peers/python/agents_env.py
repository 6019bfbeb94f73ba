"""The `multi-agent` conformance environment (ENVIRONMENTS.md section 8), as a PettingZoo-style
parallel env that rlay.parallel_host hosts. Written from the text, like envs.py.

    >>> env = MultiAgentEnv()
    >>> observations, infos = env.reset(seed=0)
    >>> env.agents
    ['runner_0', 'scout_0', 'runner_1', 'scout_1']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from envs import ACC0, KEY0, Draws, bounded, canonical, fnv, ordered, splitmix
from gymnasium.spaces import Discrete
from rlay.errors import InvalidValue

LIMIT = 8
NAME = "multi-agent"

RUNNER_OBS = bounded(-100, 100, (3,), np.int32)
RUNNER_ACT = Discrete(5, start=-2)
SCOUT_OBS = ordered(("view", bounded(-8, 8, (2,), np.float32)), ("tick", Discrete(9)))
SCOUT_ACT = bounded(-1, 1, (2,), np.float32)


@dataclass
class Unit:
    """One agent's state."""

    name: str
    runner: bool
    key: int = 0
    lives: int = 0
    alive: bool = False
    age: int = 0
    acc: int = ACC0
    x: int = 0
    owed: float = 0.0
    ended_at: int = 0

    def spawn(self) -> None:
        if self.lives:
            self.key = splitmix(self.key)
        self.lives += 1
        self.alive, self.age, self.acc, self.x, self.owed = True, 0, ACC0, 0, 0.0

    def observation(self, t: int) -> Any:
        draws = Draws(splitmix(self.key ^ ((self.age << 32) | self.acc)))
        if self.runner:
            return np.array([self.age, self.x, draws.u(0, 201) - 100], dtype=np.int32)
        view = [(draws.u(0, 129) - 64) / 8.0, (draws.u(1, 129) - 64) / 8.0]
        return {"view": np.array(view, dtype=np.float32), "tick": t}

    def info(self) -> dict[str, Any]:
        if not self.runner:
            return {}
        return {"life": self.lives, "age": self.age, "key_hi": self.key >> 32}


class MultiAgentEnv:
    """Runners decide every step and live 2..4 steps; scouts decide at even steps."""

    def __init__(self, render_mode: str | None = None) -> None:
        self.metadata = {
            "render_modes": [],
            "suite": "rlay-conformance",
            "env": NAME,
            "version": 1,
            "name": f"conformance/{NAME}",  # the env id rlay.parallel_host declares
        }
        self.render_mode = None
        names = ["runner_0", "scout_0", "runner_1", "scout_1", "runner_2"]
        self.possible_agents = names
        self.units = [Unit(n, n.startswith("runner")) for n in names]
        self.agents: list[str] = []
        self.env_key = KEY0
        self.t = 0

    def observation_space(self, agent: str) -> gym.Space[Any]:
        return RUNNER_OBS if agent.startswith("runner") else SCOUT_OBS

    def action_space(self, agent: str) -> gym.Space[Any]:
        return RUNNER_ACT if agent.startswith("runner") else SCOUT_ACT

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        self.env_key = splitmix(seed if seed is not None else self.env_key)
        self.t = 0
        for i, unit in enumerate(self.units):
            unit.key, unit.lives, unit.alive = Draws(self.env_key).d(i), 0, False
        for unit in self.units[:4]:
            unit.spawn()
        self.agents = [u.name for u in self.units if u.alive]
        return (
            {u.name: u.observation(0) for u in self.units if u.alive},
            {u.name: u.info() for u in self.units if u.alive},
        )

    def step(self, actions: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        for name, action in actions.items():
            if not self.action_space(name).contains(action):
                raise InvalidValue(f"action {action!r} of {name!r} is not in its action space")
        acting = [u for u in self.units if u.name in actions]
        for unit in acting:
            unit.acc = fnv(unit.acc, canonical(self.action_space(unit.name), actions[unit.name]))
            if unit.runner:
                unit.x = int(np.clip(unit.x + int(actions[unit.name]), -100, 100))
        self.t += 1
        alive = [u for u in self.units if u.alive]
        for unit in alive:
            unit.age += 1
            unit.owed += unit.x / 4 if unit.runner and unit in acting else 0.0
            unit.owed += 0.0 if unit.runner else unit.age / 8
        terminated = {u.name: u.runner and u.age >= 2 + Draws(u.key).u(0, 3) for u in alive}
        truncated = {u.name: self.t >= LIMIT for u in alive}
        ended = [u for u in alive if terminated[u.name] or truncated[u.name]]
        for unit in ended:
            unit.owed += 1.0 if terminated[unit.name] else 0.0
            unit.alive, unit.ended_at = False, self.t
        if self.t < LIMIT:
            for unit in self.units:
                late_start = unit.name == "runner_2" and unit.lives == 0 and self.t == 1
                respawn = unit.runner and unit.lives > 0 and not unit.alive
                if late_start or (respawn and self.t == unit.ended_at + 2):
                    unit.spawn()
        self.agents = [u.name for u in self.units if u.alive and (u.runner or self.t % 2 == 0)]
        reported = [u for u in self.units if u in acting or u in ended or u.name in self.agents]
        observations, rewards, infos = {}, {}, {}
        for unit in reported:
            observations[unit.name] = unit.observation(self.t)
            rewards[unit.name], unit.owed = unit.owed, 0.0
            infos[unit.name] = unit.info()
        flags = ({}, {})
        for unit in reported:
            flags[0][unit.name] = terminated.get(unit.name, False) and unit in ended
            flags[1][unit.name] = truncated.get(unit.name, False) and unit in ended
        return observations, rewards, flags[0], flags[1], infos

    def render(self) -> None:
        return None

    def close(self) -> None:
        pass
