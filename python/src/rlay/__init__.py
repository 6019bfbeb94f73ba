"""rlay: a program written in any language or engine, as a Gymnasium environment.

Dial an env that listens, or listen and let the env dial in::

    import rlay

    env = rlay.ClientEnv("tcp://127.0.0.1:7000")                 # a game that listens
    env = rlay.ServerEnv(launch=["./Game.x86_64", "-batchmode"])  # a game that dials

and host a Gymnasium env behind rlay::

    rlay.serve("CartPole-v1", "tcp://127.0.0.1:7000").serve_forever()
"""

from __future__ import annotations

from rlay._version import __version__
from rlay.client_env import ClientEnv, ClientVectorEnv
from rlay.errors import (
    AddressInUse,
    ConnectionClosed,
    FrameTooLarge,
    InvalidAddress,
    InvalidValue,
    ProcessDied,
    ProtocolError,
    RemoteError,
    RlayError,
    Timeout,
    TLSError,
    Unauthenticated,
    Unreachable,
    UnsafeListener,
    UnsupportedSpace,
    VersionMismatch,
)
from rlay.host import GymBackend, Host, dial, serve
from rlay.multi import MultiVectorEnv
from rlay.registration import register_envs
from rlay.server_env import ServerEnv, ServerVectorEnv
from rlay.session import PROTOCOL_VERSION, EnvBackend, EnvDescription
from rlay.transports.tls import TLSOptions

__all__ = [
    "PROTOCOL_VERSION",
    "AddressInUse",
    "ClientEnv",
    "ClientVectorEnv",
    "ConnectionClosed",
    "EnvBackend",
    "EnvDescription",
    "FrameTooLarge",
    "GymBackend",
    "Host",
    "InvalidAddress",
    "InvalidValue",
    "MultiVectorEnv",
    "ProcessDied",
    "ProtocolError",
    "RemoteError",
    "RlayError",
    "ServerEnv",
    "ServerVectorEnv",
    "TLSError",
    "TLSOptions",
    "Timeout",
    "Unauthenticated",
    "Unreachable",
    "UnsafeListener",
    "UnsupportedSpace",
    "VersionMismatch",
    "__version__",
    "dial",
    "serve",
]

register_envs()
