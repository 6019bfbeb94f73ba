"""The echo env: a tiny deterministic env whose observation is the payload.

Every step writes the step counter into the first element of a preallocated
observation and returns it, with reward 1.0 and no episode end, so the env itself
costs next to nothing and a measurement shows the cost of getting the observation
across. ``EchoVectorEnv`` is the natively batched form (one array for all
sub-envs, like a game that steps 64 agents in one scene).
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlaybench.payloads import PAYLOADS, Payload, initial_obs, stamp


def obs_space(payload: Payload) -> spaces.Box:
    """Space of one sub-env's observation."""
    if payload.dtype == "uint8":
        return spaces.Box(0, 255, payload.shape, np.uint8)
    return spaces.Box(-1.0, 1.0, payload.shape, np.dtype(payload.dtype))


class EchoEnv(gym.Env[np.ndarray, np.int64]):
    """One env whose observation is the payload (see the module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, payload: str = "cartpole") -> None:
        self.payload = PAYLOADS[payload]
        if self.payload.batched:
            raise ValueError(f"{payload} is batched: use EchoVectorEnv")
        self.observation_space = obs_space(self.payload)
        self.action_space = spaces.Discrete(2)
        self._obs = initial_obs(self.payload)
        self._t = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._t = 0
        stamp(self._obs, 0)
        return self._obs, {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self._t += 1
        stamp(self._obs, self._t)
        return self._obs, 1.0, False, False, {}


class EchoVectorEnv(gym.vector.VectorEnv):  # type: ignore[type-arg]
    """``num_envs`` echo envs stepped as one array (natively batched)."""

    metadata: ClassVar[dict[str, Any]] = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP}

    def __init__(self, payload: str = "batch64") -> None:
        self.payload = PAYLOADS[payload]
        self.num_envs = self.payload.num_envs
        self.single_observation_space = obs_space(self.payload)
        self.single_action_space = spaces.Discrete(2)
        self.observation_space = gym.vector.utils.batch_space(
            self.single_observation_space, self.num_envs
        )
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self._obs = initial_obs(self.payload)
        self._rewards = np.ones(self.num_envs, dtype=np.float64)
        self._done = np.zeros(self.num_envs, dtype=np.bool_)
        self._t = 0

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        self._t = 0
        self._obs[:, 0] = 0.0
        return self._obs, {}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        self._t += 1
        self._obs[:, 0] = (self._t % 1000) / 1000.0
        return self._obs, self._rewards, self._done, self._done, {}


def make(payload: str) -> gym.Env[Any, Any] | gym.vector.VectorEnv:  # type: ignore[type-arg]
    """The echo env for a payload: batched payloads give the vector form."""
    if PAYLOADS[payload].batched:
        return EchoVectorEnv(payload)
    return EchoEnv(payload)
