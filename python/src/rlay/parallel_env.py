"""PettingZoo ``ParallelEnv``s whose multi-agent simulation runs at the other end of rlay.

:class:`ParallelClientEnv` dials a multi-agent env that listens (``rlay serve`` hosting
a PettingZoo env, or a game); :class:`ParallelServerEnv` listens and lets the env dial in
(``rlay dial``, or a launched game). Every agent's spaces are rebuilt exactly from the
handshake; ``agents`` is the live set after each reset and step. Needs PettingZoo
(``pip install rlay[pettingzoo]``); the AEC form comes from PettingZoo's converter::

    from pettingzoo.utils.conversions import parallel_to_aec

    env = rlay.ParallelClientEnv("tcp://127.0.0.1:7000")
    observations, infos = env.reset(seed=42)
    while env.agents:
        actions = {agent: env.action_space(agent).sample() for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
    aec = parallel_to_aec(rlay.ParallelClientEnv("tcp://127.0.0.1:7000"))
"""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym

try:
    from pettingzoo import ParallelEnv
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError(
        "rlay's PettingZoo environments need pettingzoo: pip install 'rlay[pettingzoo]'"
    ) from error

from rlay.agent_session import AgentSession
from rlay.agents import AgentLayout
from rlay.client_env import _ANY_RENDER_MODES, _AgentCore, _Dialing, _metadata
from rlay.errors import InvalidValue
from rlay.server_env import _Listening

__all__ = ["ParallelClientEnv", "ParallelServerEnv", "RemoteParallelEnv"]


class RemoteParallelEnv(_AgentCore, ParallelEnv[str, Any, Any]):  # type: ignore[misc]
    """A ``pettingzoo.ParallelEnv`` over an :class:`~rlay.session.AgentSession`.

    Subclasses obtain the connection and call :meth:`_attach`. ``behaviors`` maps each
    behaviour to its agents (agents of one behaviour share spaces, so can share a policy).
    """

    metadata: dict[str, Any] = {  # noqa: RUF012
        "render_modes": _ANY_RENDER_MODES,
        "is_parallelizable": True,
    }
    _multi_agent = True

    def _attach(
        self,
        session: AgentSession,
        *,
        token: str | None,
        render_mode: str | None,
    ) -> None:
        description = self._open_session(session, token=token, render_mode=render_mode)
        layout = description.agents
        if layout is None:
            self._close_session()
            raise InvalidValue(
                f"the env {description.env_id!r} declares no agents; use rlay.ClientEnv "
                "(or rlay.ServerEnv) for a single-agent env"
            )
        self.layout: AgentLayout = layout
        self.possible_agents = layout.possible_agents
        self.agents: list[str] = []
        # One space object per agent (equal within a behaviour), the same on every call:
        # each agent's space is seeded on its own, as with PettingZoo's own envs.
        self.observation_spaces = {
            a: copy.deepcopy(layout.behavior_of(a).observation_space) for a in self.possible_agents
        }
        self.action_spaces = {
            a: copy.deepcopy(layout.behavior_of(a).action_space) for a in self.possible_agents
        }
        self.behaviors = {b.name: layout.agents_of(b.name) for b in layout.behaviors}
        self.metadata = {**_metadata(description), "is_parallelizable": True}
        self.render_mode = description.render_mode

    def observation_space(self, agent: str) -> gym.Space[Any]:
        """The observation space of ``agent`` (its behaviour's)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gym.Space[Any]:
        """The action space of ``agent`` (its behaviour's)."""
        return self.action_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Reset the remote env; returns the live agents' observations and infos."""
        result = self._require().reset_agents(seed, options)
        self.agents = list(result.observations)
        return result.observations, result.infos

    def step(
        self, actions: dict[str, Any]
    ) -> tuple[
        dict[str, Any],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Act for every live agent; returns the dicts of every agent that acted, ended or
        became live, and updates ``agents`` to the live ones."""
        result = self._require().step_agents(actions)
        self.agents = list(result.live)
        return (
            result.observations,
            result.rewards,
            result.terminated,
            result.truncated,
            result.infos,
        )

    def render(self) -> Any:
        """The remote env's frame (e.g. an RGB array for ``render_mode="rgb_array"``)."""
        frames = self._require().render()
        return frames[0] if frames else None

    def close(self) -> None:
        """Close the session (the env side closes its env); safe to call twice."""
        self._close_session()

    def __enter__(self) -> RemoteParallelEnv:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ParallelClientEnv(_Dialing, RemoteParallelEnv):
    """Dial a multi-agent env that listens at ``address``, as a PettingZoo ParallelEnv.

    Arguments as :class:`rlay.ClientEnv`. Example::

        env = rlay.ParallelClientEnv("tcp://127.0.0.1:7000")
        observations, infos = env.reset(seed=0)
    """


class ParallelServerEnv(_Listening, RemoteParallelEnv):
    """Listen at ``address``; a multi-agent env dials in; act as a PettingZoo ParallelEnv.

    Arguments as :class:`rlay.ServerEnv` (``launch=[...]`` starts the env program).
    Example::

        env = rlay.ParallelServerEnv(
            launch=[sys.executable, "-m", "rlay", "dial", "mpe2.simple_spread_v3:parallel_env"]
        )
        observations, infos = env.reset(seed=0)
    """

    def close(self) -> None:
        """Say goodbye, then end the launched program (grace period, terminate, kill)."""
        self._close_then_shutdown(super().close)
