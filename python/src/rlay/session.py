"""The rlay session: handshake, then one reply per command.

Two classes speak the protocol defined in ``proto/rlay/v1/session.proto``:

* :class:`AgentSession` (:mod:`rlay.agent_session`) is the agent side (the Python
  trainer). It sends ``hello`` and then commands, and turns every error reply into a
  typed exception. Every receive waits at most ``timeout`` seconds.
* :class:`EnvSession` (:mod:`rlay.env_session`) is the env side. It answers the
  commands of one connection with an :class:`EnvBackend` (see :mod:`rlay.host` for the
  one that hosts Gymnasium environments).

What both share (version, error codes, description and result types) lives in
:mod:`rlay.protocol`. Both work on any :class:`rlay.transports` connection, whoever
dialled whom::

    session = AgentSession(connection, timeout=10.0)
    description = session.hello(token=None, render_mode=None)
    result = session.reset(seeds=[0], options=None, mask=None)
    step = session.step(actions)
    session.close()
"""

from __future__ import annotations

from rlay.agent_session import AgentSession
from rlay.env_session import EnvBackend, EnvSession
from rlay.protocol import (
    CAPABILITIES,
    IMPLEMENTATION,
    PROTOCOL_VERSION,
    EnvDescription,
    FinalStep,
    ResetResult,
    StepResult,
    error_code_name,
    error_code_value,
)

__all__ = [
    "CAPABILITIES",
    "IMPLEMENTATION",
    "PROTOCOL_VERSION",
    "AgentSession",
    "EnvBackend",
    "EnvDescription",
    "EnvSession",
    "FinalStep",
    "ResetResult",
    "StepResult",
    "error_code_name",
    "error_code_value",
]
