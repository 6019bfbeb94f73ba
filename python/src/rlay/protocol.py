"""What both halves of a session share: the protocol version, error codes, the env's
description and the shapes of reset and step results.

The agent half is :mod:`rlay.agent_session`, the env half :mod:`rlay.env_session`;
:mod:`rlay.session` re-exports both. Example::

    from rlay.protocol import PROTOCOL_VERSION, error_code_name
    assert error_code_name(session_pb2.ERROR_CODE_ENV) == "ENV"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from rlay.agents import AgentLayout
from rlay.errors import (
    CapabilityRequired,
    ProtocolError,
    RemoteError,
    RlayError,
    Unauthenticated,
    VersionMismatch,
)
from rlay.spaces import space_from_proto, space_to_proto
from rlay.v1 import session_pb2
from rlay.values import decode_value, fill_value

__all__ = [
    "BOOL",
    "CAPABILITIES",
    "F64_LE",
    "IMPLEMENTATION",
    "PROTOCOL_VERSION",
    "RECOVERABLE_CODES",
    "EnvDescription",
    "FinalStep",
    "ResetResult",
    "StepResult",
    "error_code_name",
    "error_code_value",
    "error_for_code",
    "format_version",
]

#: (major, minor) of the protocol this package speaks.
PROTOCOL_VERSION = (1, 1)
IMPLEMENTATION = "rlay-python"
CAPABILITIES = ("render", "call")

# The contract: errors about one command leave the session going (a typo in a call
RECOVERABLE_CODES = frozenset(
    {
        session_pb2.ERROR_CODE_ENV,
        session_pb2.ERROR_CODE_INVALID_ARGUMENT,
        session_pb2.ERROR_CODE_UNIMPLEMENTED,
        session_pb2.ERROR_CODE_FAILED_PRECONDITION,
    }
)

_AUTORESET_TO_PROTO = {
    None: session_pb2.AUTORESET_MODE_UNSPECIFIED,
    AutoresetMode.NEXT_STEP: session_pb2.AUTORESET_MODE_NEXT_STEP,
    AutoresetMode.SAME_STEP: session_pb2.AUTORESET_MODE_SAME_STEP,
    AutoresetMode.DISABLED: session_pb2.AUTORESET_MODE_DISABLED,
}
_AUTORESET_FROM_PROTO = {v: k for k, v in _AUTORESET_TO_PROTO.items()}


def error_code_name(code: int) -> str:
    """``ERROR_CODE_ENV`` -> ``"ENV"``; unknown numbers come back as ``"CODE_<n>"``."""
    try:
        return str(session_pb2.ErrorCode.Name(code)).removeprefix("ERROR_CODE_")
    except ValueError:
        return f"CODE_{code}"


def error_code_value(name: str) -> session_pb2.ErrorCode:
    """``"ENV"`` -> ``ERROR_CODE_ENV``; unknown names map to ``ERROR_CODE_UNSPECIFIED``."""
    try:
        # The stubs type Value() as int; at runtime it is the enum's number either way.
        return cast("session_pb2.ErrorCode", session_pb2.ErrorCode.Value("ERROR_CODE_" + name))
    except ValueError:
        return session_pb2.ERROR_CODE_UNSPECIFIED


def error_for_code(code: int, message: str) -> RlayError:
    """The typed error for an error code (what the agent side raises for it, too)."""
    if code == session_pb2.ERROR_CODE_VERSION_MISMATCH:
        return VersionMismatch(message)
    if code == session_pb2.ERROR_CODE_UNAUTHENTICATED:
        return Unauthenticated(message)
    if code == session_pb2.ERROR_CODE_CAPABILITY_REQUIRED:
        return CapabilityRequired(message)
    if code in (session_pb2.ERROR_CODE_PROTOCOL, session_pb2.ERROR_CODE_FRAME_TOO_LARGE):
        return ProtocolError(message)
    return RemoteError(error_code_name(code), message)


def format_version(version: tuple[int, int]) -> str:
    """``(1, 0)`` -> ``"1.0"``."""
    return f"{version[0]}.{version[1]}"


#: The dtypes of the per-sub-env columns of a step reply (rewards; terminated, truncated).
F64_LE = np.dtype("<f8")
BOOL = np.dtype(np.bool_)


@dataclass(frozen=True)
class EnvDescription:
    """What the agent side learns about an env in the handshake (the wire's ``EnvSpec``).

    Example::

        EnvDescription("CartPole-v1", Box(...), Discrete(2), num_envs=1,
                       autoreset_mode=AutoresetMode.DISABLED)
    """

    env_id: str
    observation_space: gym.Space[Any]
    action_space: gym.Space[Any]
    num_envs: int = 1
    autoreset_mode: AutoresetMode | None = None
    render_modes: tuple[str, ...] = ()
    render_mode: str | None = None
    render_fps: float | None = None
    max_episode_steps: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: A multi-agent env's behaviours and agents (protocol 1.1), else None. Then
    #: observation_space and action_space are Dicts keyed by agent, which do not travel.
    agents: AgentLayout | None = None
    #: The peer's hello fields (filled on the agent side).
    implementation: str = ""
    implementation_version: str = ""
    capabilities: tuple[str, ...] = ()

    def fill_proto(self, msg: session_pb2.EnvSpec) -> None:
        """Write this description into an ``EnvSpec`` message."""
        msg.env_id = self.env_id
        if self.agents is not None:
            self.agents.fill_proto(msg)
        else:
            msg.observation_space.CopyFrom(space_to_proto(self.observation_space))
            msg.action_space.CopyFrom(space_to_proto(self.action_space))
        msg.num_envs = self.num_envs
        msg.autoreset_mode = _AUTORESET_TO_PROTO[self.autoreset_mode]
        msg.render_modes[:] = list(self.render_modes)
        msg.render_mode = self.render_mode or ""
        msg.render_fps = float(self.render_fps or 0.0)
        msg.max_episode_steps = int(self.max_episode_steps or 0)
        if self.metadata:
            fill_value(msg.metadata, dict(self.metadata))

    @classmethod
    def from_hello(cls, hello: session_pb2.Hello) -> EnvDescription:
        """Rebuild a description (spaces included) from an env side's hello."""
        spec = hello.env_spec
        if spec.num_envs < 1:
            raise ProtocolError(f"env spec declares num_envs={spec.num_envs}; at least 1 needed")
        if spec.autoreset_mode not in _AUTORESET_FROM_PROTO:
            raise ProtocolError(f"unknown autoreset mode {spec.autoreset_mode}")
        metadata = decode_value(spec.metadata) if spec.HasField("metadata") else {}
        layout = AgentLayout.from_proto(spec) if spec.agents else None
        return cls(
            env_id=spec.env_id,
            observation_space=layout.observation_spaces()
            if layout
            else space_from_proto(spec.observation_space),
            action_space=layout.action_spaces() if layout else space_from_proto(spec.action_space),
            num_envs=spec.num_envs,
            autoreset_mode=_AUTORESET_FROM_PROTO[spec.autoreset_mode],
            render_modes=tuple(spec.render_modes),
            render_mode=spec.render_mode or None,
            render_fps=spec.render_fps or None,
            max_episode_steps=spec.max_episode_steps or None,
            metadata=metadata if isinstance(metadata, dict) else {"value": metadata},
            agents=layout,
            implementation=hello.implementation,
            implementation_version=hello.implementation_version,
            capabilities=tuple(hello.capabilities),
        )


@dataclass(frozen=True)
class FinalStep:
    """The ending observation and info of a sub-env reset in the same step."""

    index: int
    observation: Any
    info: dict[str, Any]


class ResetResult(NamedTuple):
    """Batched observations and one info dict per sub-environment."""

    observations: Any
    infos: list[dict[str, Any]]


class StepResult(NamedTuple):
    """One step of every sub-environment (batch form, like a vector env)."""

    observations: Any
    rewards: np.ndarray[Any, Any]
    terminated: np.ndarray[Any, Any]
    truncated: np.ndarray[Any, Any]
    infos: list[dict[str, Any]]
    finals: list[FinalStep]
