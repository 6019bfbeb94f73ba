"""Shared fixtures: transports, both dial directions, small test envs."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

# Renders in tests must not need a display.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import rlay
from rlay.host import dial, serve

TRANSPORTS = ["tcp", "unix", "grpc", "shm", "ws"]
MODES = ["client", "server"]
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT = 10.0
#: Documentation blocks only compiled (test_docs_snippets), listed in the summary.
COMPILE_ONLY_KEY = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sb3: trains Stable-Baselines3 through rlay (needs stable_baselines3)"
    )
    config.addinivalue_line("markers", "rllib: trains RLlib on a local Ray cluster (needs ray)")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """List the documentation blocks that were only compiled, with their reasons."""
    compiled = config.stash.get(COMPILE_ONLY_KEY, [])
    if compiled:
        terminalreporter.write_line(f"doc snippets only compiled, not run: {len(compiled)}")
        for line in compiled:
            terminalreporter.write_line(f"  {line}")


def _require_grpc() -> None:
    missing = importlib.util.find_spec("grpc") is None
    if not missing:
        try:
            import rlay.transports.grpc  # noqa: F401
        except ImportError:
            missing = True
    if missing:
        if IN_CI:
            pytest.fail("the grpc transport is not available (CI=true: a missing toolchain fails)")
        pytest.skip("the grpc transport is not available")


def _require_ws() -> None:
    if importlib.util.find_spec("websockets") is None:
        if IN_CI:
            pytest.fail("the ws transport is not available (CI=true: a missing toolchain fails)")
        pytest.skip("the ws transport is not available (pip install rlay[ws])")


@pytest.fixture
def short_dir() -> Iterator[str]:
    """A short directory for Unix socket paths (they are limited to ~100 bytes)."""
    path = tempfile.mkdtemp(prefix="rlay-", dir="/tmp")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def address_for(transport: str, directory: str, name: str = "env") -> str:
    """A fresh listening address for the transport."""
    if transport == "tcp":
        return "tcp://127.0.0.1:0"
    if transport == "unix":
        return f"unix://{directory}/{name}.sock"
    if transport == "shm":
        return f"shm://{directory}/{name}"
    if transport == "grpc":
        _require_grpc()
        return "grpc://127.0.0.1:0"
    if transport == "ws":
        _require_ws()
        return "ws://127.0.0.1:0"
    raise ValueError(transport)


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Each transport in turn."""
    if request.param == "grpc":
        _require_grpc()
    if request.param == "ws":
        _require_ws()
    return str(request.param)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Both dial directions: client (ClientEnv dials a host), server (env dials a ServerEnv)."""
    return str(request.param)


class Opener:
    """Opens rlay envs in either direction and cleans everything up afterwards."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._cleanups: list[Callable[[], None]] = []
        self._count = 0

    def _address(self, transport: str) -> str:
        self._count += 1
        return address_for(transport, self.directory, f"s{self._count}")

    def host(self, env: Any, transport: str = "tcp", **kwargs: Any) -> rlay.Host:
        """A started host serving ``env``."""
        host = serve(env, self._address(transport), **kwargs).start()
        self._cleanups.append(host.close)
        return host

    def open(
        self,
        env: Any,
        mode: str = "client",
        transport: str = "tcp",
        *,
        vector: bool = False,
        agent_kwargs: dict[str, Any] | None = None,
        **env_kwargs: Any,
    ) -> Any:
        """An agent-side env connected to ``env`` hosted in this process."""
        agent_kwargs = {"timeout": TIMEOUT, **(agent_kwargs or {})}
        if mode == "client":
            host = self.host(env, transport, **env_kwargs)
            cls = rlay.ClientVectorEnv if vector else rlay.ClientEnv
            agent = cls(host.address, connect_timeout=TIMEOUT, **agent_kwargs)
            self._cleanups.append(agent.close)
            return agent
        cls_s = rlay.ServerVectorEnv if vector else rlay.ServerEnv
        agent = cls_s(self._address(transport), wait=False, accept_timeout=TIMEOUT, **agent_kwargs)
        token = agent_kwargs.get("token")
        thread = threading.Thread(
            target=dial,
            args=(env, agent.address),
            kwargs={"retry_timeout": TIMEOUT, "token": token, **env_kwargs},
            daemon=True,
        )
        thread.start()
        self._cleanups.append(lambda: thread.join(TIMEOUT))
        self._cleanups.append(agent.close)
        agent.accept()
        return agent

    def close(self) -> None:
        for cleanup in reversed(self._cleanups):
            with contextlib.suppress(Exception):
                cleanup()


@pytest.fixture
def opener(short_dir: str) -> Iterator[Opener]:
    """Open rlay envs (both directions); everything is closed after the test."""
    opener = Opener(short_dir)
    yield opener
    opener.close()


class InfoEnv(gym.Env[np.ndarray, int]):
    """A small env with rich infos, a terminal state and a time limit.

    Action 1 moves right, 0 stays; reaching position 3 terminates; 6 steps truncate.
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 4}  # noqa: RUF012

    def __init__(self, render_mode: str | None = None, limit: int = 6) -> None:
        self.observation_space = gym.spaces.Box(0, 10, (2,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.render_mode = render_mode
        self.limit = limit
        self.position = 0
        self.t = 0
        self.scale = 1.0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.position = int(self.np_random.integers(0, 2))
        self.t = 0
        info: dict[str, Any] = {"start": self.position, "seeded": seed is not None}
        if options:
            info["options"] = dict(options)
        return self._obs(), info

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise ValueError(f"bad action {action!r}")
        self.position += int(action)
        self.t += 1
        terminated = self.position >= 3
        truncated = not terminated and self.t >= self.limit
        info: dict[str, Any] = {"t": self.t, "pos": np.float32(self.position)}
        if self.t % 2 == 0:
            info["even"] = {"flag": True, "vec": np.arange(3, dtype=np.int16) + self.t}
        return self._obs(), float(action) * self.scale, terminated, truncated, info

    def render(self) -> Any:
        if self.render_mode == "ansi":
            return f"pos={self.position}"
        frame = np.zeros((4, 5, 3), dtype=np.uint8)
        frame[:, min(self.position, 4)] = 255
        return frame

    def _obs(self) -> np.ndarray:
        return np.array([self.position, self.t], dtype=np.float32)


class FailingEnv(InfoEnv):
    """Raises on action 1 after reset, to test ENV errors."""

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if int(action) == 1:
            raise RuntimeError("the simulation exploded")
        return super().step(action)
