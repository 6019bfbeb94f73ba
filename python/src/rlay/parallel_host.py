"""Host a PettingZoo ``ParallelEnv`` behind rlay as a multi-agent env (protocol 1.1).

:class:`ParallelBackend` is the :class:`~rlay.session.EnvBackend` that :func:`rlay.serve`
and :func:`rlay.dial` use when given a PettingZoo parallel env (a factory such as
``simple_spread_v3.parallel_env``, or, on the command line, ``MODULE:FUNCTION``). It needs
no PettingZoo import: any object with ``possible_agents``, ``agents``,
``observation_space(agent)``, ``action_space(agent)``, ``reset`` and ``step`` works.

Behaviours: an agent named ``"<kind>_<n>"`` belongs to behaviour ``"<kind>"`` when all
such agents share spaces; pass ``behaviors={agent: name}`` to choose.

Example::

    from mpe2 import simple_spread_v3

    with rlay.serve(simple_spread_v3.parallel_env, "tcp://127.0.0.1:7000") as host:
        env = rlay.ParallelClientEnv(host.address)
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from rlay.agents import AgentLayout, AgentReset, AgentStep
from rlay.env_session import EnvBackend
from rlay.errors import InvalidValue, RemoteError, RlayError
from rlay.host import _accepts_render_mode, _plain_metadata, _range_check
from rlay.protocol import EnvDescription, ResetResult, StepResult

__all__ = ["ParallelBackend", "is_parallel_env", "makes_parallel_env", "resolve_env"]

logger = logging.getLogger("rlay.parallel_host")

# Hosted envs are created and closed one at a time: sessions run in threads, and many
# envs keep process-wide state there (mpe2 initialises pygame's freetype when created
# and quits pygame when closed, which breaks an env being created at that moment).
_LIFECYCLE = threading.Lock()

#: A named command of a hosted parallel env: ``fn([env], value) -> result``.
ParallelCallFn = Callable[[list[Any]], Any]


def is_parallel_env(obj: Any) -> bool:
    """Whether ``obj`` looks like a PettingZoo ``ParallelEnv`` (not a Gymnasium env)."""
    return (
        not isinstance(obj, gym.Env)
        and hasattr(obj, "possible_agents")
        and callable(getattr(obj, "step", None))
        and callable(getattr(obj, "observation_space", None))
    )


def resolve_env(name: str) -> str | Callable[..., Any]:
    """``"MODULE:FUNCTION"`` -> that function (a factory); anything else is a Gymnasium id.

    ``"mpe2.simple_spread_v3:parallel_env"`` gives ``simple_spread_v3.parallel_env``; a
    Gymnasium id, also ``"module:Env-v0"`` (import then make), is returned as it is.
    """
    module_name, sep, attribute = name.partition(":")
    if not sep or not attribute.isidentifier():
        return name
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return name
    factory = getattr(module, attribute, None)
    return factory if callable(factory) else name


def makes_parallel_env(source: Any, env_kwargs: Mapping[str, Any] | None = None) -> bool:
    """Whether ``source`` (an env, an id or a factory) gives PettingZoo parallel envs.

    A factory (other than a Gymnasium env class) is called once to find out, and its env
    closed.
    """
    if isinstance(source, (str, gym.Env)):
        return False
    if is_parallel_env(source):
        return True
    if isinstance(source, type) and issubclass(source, gym.Env):
        return False
    if not callable(source):
        return False
    with _LIFECYCLE:
        probe = source(**dict(env_kwargs or {}))
        try:
            return is_parallel_env(probe)
        finally:
            close = getattr(probe, "close", None)
            if callable(close):
                close()


class ParallelBackend(EnvBackend):
    """Host one PettingZoo ``ParallelEnv`` (a factory, or an instance that stays the
    caller's to close) as a multi-agent env.

    Integer actions outside a Discrete/MultiDiscrete/MultiBinary space are refused
    (INVALID_ARGUMENT) before the env sees them; the session itself refuses actions for
    agents that are not live and steps that miss a live agent.
    """

    def __init__(
        self,
        env: Callable[..., Any] | Any,
        *,
        render_mode: str | None = None,
        env_kwargs: Mapping[str, Any] | None = None,
        behaviors: Mapping[str, str] | None = None,
        calls: Mapping[str, Callable[[list[Any], Any], Any]] | None = None,
        max_episode_steps: int | None = None,
    ) -> None:
        self._source = env
        self._owned = not is_parallel_env(env)
        self.default_render_mode = render_mode
        self._env_kwargs = dict(env_kwargs or {})
        self._behaviors = dict(behaviors) if behaviors is not None else None
        self._calls = dict(calls or {})
        self._max_episode_steps = max_episode_steps
        self.env: Any = None
        self._checks: dict[str, Callable[[Any], None]] = {}

    def open(self, render_mode: str | None) -> EnvDescription:
        """Create the env and describe its behaviours and agents."""
        render_mode = render_mode or self.default_render_mode
        env = self._make(render_mode)
        self.env = env
        metadata = dict(getattr(env, "metadata", {}) or {})
        modes = tuple(str(m) for m in metadata.get("render_modes") or ())
        if render_mode is not None and render_mode not in modes:
            raise InvalidValue(
                f"render mode {render_mode!r} is not supported; this env has {modes}"
            )
        agents = list(env.possible_agents)
        layout = AgentLayout.from_spaces(
            {a: env.observation_space(a) for a in agents},
            {a: env.action_space(a) for a in agents},
            self._behaviors,
        )
        self._layout = layout
        for agent in agents:
            check = _range_check(layout.behavior_of(agent).action_space)
            if check is not None:
                self._checks[agent] = check
        fps = metadata.get("render_fps")
        return EnvDescription(
            env_id=str(metadata.get("name") or type(getattr(env, "unwrapped", env)).__name__),
            observation_space=layout.observation_spaces(),
            action_space=layout.action_spaces(),
            num_envs=1,
            autoreset_mode=AutoresetMode.DISABLED,
            render_modes=modes,
            render_mode=getattr(env, "render_mode", None) or render_mode,
            render_fps=float(fps) if isinstance(fps, (int, float)) else None,
            max_episode_steps=self._max_episode_steps,
            metadata=_plain_metadata(metadata),
            agents=layout,
        )

    def reset(
        self,
        seeds: list[int | None] | None,
        options: dict[str, Any] | None,
        mask: np.ndarray[Any, Any] | None,
    ) -> ResetResult:
        """Not used: the session resets a multi-agent env with :meth:`reset_agents`."""
        raise RlayError("a multi-agent env is reset with reset_agents")

    def step(self, actions: Any) -> StepResult:
        """Not used: the session steps a multi-agent env with :meth:`step_agents`."""
        raise RlayError("a multi-agent env is stepped with step_agents")

    def reset_agents(self, seed: int | None, options: dict[str, Any] | None) -> AgentReset:
        """Reset the env; the live agents are its ``agents``."""
        observations, infos = self.env.reset(seed=seed, options=options)
        live = list(self.env.agents)
        return AgentReset(
            {a: observations[a] for a in live}, {a: dict(infos.get(a) or {}) for a in live}
        )

    def step_agents(self, actions: dict[str, Any]) -> AgentStep:
        """Step the env; report every agent it returned an observation for that acted,
        ended, or is live now."""
        for agent, action in actions.items():
            check = self._checks.get(agent)
            if check is not None:
                check(np.asarray(action))
        observations, rewards, terminated, truncated, infos = self.env.step(actions)
        live = list(self.env.agents)
        wanted = set(actions) | set(live)
        wanted |= {a for a, flag in terminated.items() if flag}
        wanted |= {a for a, flag in truncated.items() if flag}
        reported = [a for a in observations if a in wanted and a in self._layout.agents]
        return AgentStep(
            {a: observations[a] for a in reported},
            {a: float(rewards.get(a, 0.0)) for a in reported},
            {a: bool(terminated.get(a, False)) for a in reported},
            {a: bool(truncated.get(a, False)) for a in reported},
            {a: dict(infos.get(a) or {}) for a in reported},
            live,
        )

    def render(self) -> list[Any]:
        """The env's one frame."""
        return [self.env.render()]

    def call(self, name: str, value: Any) -> Any:
        """Run a command registered with ``calls`` (``fn([env], value)``)."""
        fn = self._calls.get(name)
        if fn is None:
            known = ", ".join(sorted(self._calls)) or "none"
            raise RemoteError("UNIMPLEMENTED", f"no command named {name!r}; this env has {known}")
        return fn([self.env], value)

    def close(self) -> None:
        """Close the env if this backend created it."""
        env, self.env = self.env, None
        if env is not None and self._owned:
            try:
                with _LIFECYCLE:
                    env.close()
            except Exception:
                logger.exception("closing the env failed")

    def _make(self, render_mode: str | None) -> Any:
        source = self._source
        if not self._owned:
            return source
        kwargs = dict(self._env_kwargs)
        if render_mode is not None and _accepts_render_mode(source):
            kwargs["render_mode"] = render_mode
        with _LIFECYCLE:
            env = source(**kwargs)
        if not is_parallel_env(env):
            raise InvalidValue(f"{source!r} did not make a PettingZoo ParallelEnv: {env!r}")
        return env
