"""rlay: a program written in any language or engine, as a Gymnasium environment.

Dial an env that listens, or listen and let the env dial in::

    import rlay

    env = rlay.ClientEnv("tcp://127.0.0.1:7000")                 # a game that listens
    env = rlay.ServerEnv(launch=["./Game.x86_64", "-batchmode"])  # a game that dials

and host a Gymnasium env behind rlay::

    rlay.serve("CartPole-v1", "tcp://127.0.0.1:7000").serve_forever()

Multi-agent envs (protocol 1.1) are PettingZoo ParallelEnvs (``pip install
rlay[pettingzoo]``): ``rlay.ParallelClientEnv`` / ``rlay.ParallelServerEnv``; and
``rlay.serve`` / ``rlay.dial`` host PettingZoo parallel envs.
"""

from __future__ import annotations

from typing import Any

from rlay._version import __version__
from rlay.behavior_vector import BehaviorVectorEnv
from rlay.client_env import ClientEnv, ClientVectorEnv
from rlay.errors import (
    AddressInUse,
    CapabilityRequired,
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
    "BehaviorVectorEnv",
    "CapabilityRequired",
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
    "ParallelClientEnv",
    "ParallelServerEnv",
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

# The PettingZoo classes import pettingzoo, an optional dependency: load them on use.
_LAZY = {
    "ParallelClientEnv": "rlay.parallel_env",
    "ParallelServerEnv": "rlay.parallel_env",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rlay' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


register_envs()
