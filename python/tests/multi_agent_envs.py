"""Small PettingZoo parallel envs for the multi-agent tests."""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import numpy as np
from pettingzoo import ParallelEnv


class TagEnv(ParallelEnv[str, Any, Any]):  # type: ignore[misc]
    """Two behaviours with different spaces; an agent that dies and one that spawns late.

    Hunters see ``[x, t]`` (float32) and move by ``action - 1``; preys see a Dict and act
    with two bits. ``hunter_1`` terminates after 3 steps, ``prey_1`` appears after step 2,
    and everyone left is truncated at step ``limit``.
    """

    metadata = {"name": "tag_v0", "render_modes": ["rgb_array"], "render_fps": 5}  # noqa: RUF012

    def __init__(self, limit: int = 6, render_mode: str | None = None) -> None:
        self.possible_agents = ["hunter_0", "prey_0", "hunter_1", "prey_1"]
        self.agents: list[str] = []
        self.limit = limit
        self.render_mode = render_mode
        self.t = 0
        self.x: dict[str, float] = {}
        self.rng = np.random.default_rng()

    @functools.cache  # noqa: B019 - the API wants the same object
    def observation_space(self, agent: str) -> gym.Space[Any]:
        if agent.startswith("hunter"):
            return gym.spaces.Box(-100, 100, (2,), np.float32)
        return gym.spaces.Dict(
            {"pos": gym.spaces.Box(-5, 5, (1,), np.int64), "seen": gym.spaces.Discrete(2)}
        )

    @functools.cache  # noqa: B019
    def action_space(self, agent: str) -> gym.Space[Any]:
        if agent.startswith("hunter"):
            return gym.spaces.Discrete(3)
        return gym.spaces.MultiBinary(2)

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.t = 0
        self.agents = ["hunter_0", "prey_0", "hunter_1"]
        self.x = {a: float(self.rng.integers(-3, 4)) for a in self.possible_agents}
        infos = {a: {"start": self.x[a], "options": dict(options or {})} for a in self.agents}
        return {a: self._obs(a) for a in self.agents}, infos

    def step(self, actions: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        assert set(actions) == set(self.agents), (sorted(actions), self.agents)
        self.t += 1
        rewards: dict[str, float] = {}
        for agent, action in actions.items():
            if agent.startswith("hunter"):
                self.x[agent] += int(action) - 1
                rewards[agent] = -abs(self.x[agent]) / 2
            else:
                self.x[agent] += float(np.asarray(action).sum()) - 1
                rewards[agent] = float(self.rng.random())
        terminated = {a: a == "hunter_1" and self.t == 3 for a in actions}
        truncated = {a: self.t >= self.limit for a in actions}
        observations = {a: self._obs(a) for a in actions}
        infos: dict[str, Any] = {
            a: {"t": self.t, "x": np.float32(self.x[a]), "tag": f"{a}@{self.t}"} for a in actions
        }
        self.agents = [a for a in self.agents if not (terminated[a] or truncated[a])]
        if self.t == 2 and self.t < self.limit:
            self.agents.append("prey_1")
            observations["prey_1"] = self._obs("prey_1")
            rewards["prey_1"] = 0.0
            terminated["prey_1"] = truncated["prey_1"] = False
            infos["prey_1"] = {"spawned": True}
        return observations, rewards, terminated, truncated, infos

    def render(self) -> Any:
        frame = np.zeros((2, 4, 3), dtype=np.uint8)
        frame[:, self.t % 4] = 255
        return frame

    def _obs(self, agent: str) -> Any:
        if agent.startswith("hunter"):
            return np.array([self.x[agent], self.t], dtype=np.float32)
        pos = int(np.clip(self.x[agent], -5, 5))
        return {"pos": np.array([pos], dtype=np.int64), "seen": int(abs(pos) < 2)}
