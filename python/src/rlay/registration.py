"""Gymnasium ids for rlay environments.

``import rlay`` registers them (idempotently). Gymnasium (1.x) loads no plugins, so
without that import name the module in the id, which ``gymnasium.make`` then imports::

    env = gymnasium.make("rlay:rlay/ClientEnv-v0", address="tcp://127.0.0.1:7000")

    import rlay
    env = gymnasium.make("rlay/ServerEnv-v0", launch=["./Game.x86_64"])
"""

from __future__ import annotations

import gymnasium

__all__ = ["CLIENT_ENV_ID", "SERVER_ENV_ID", "register_envs"]

CLIENT_ENV_ID = "rlay/ClientEnv-v0"
SERVER_ENV_ID = "rlay/ServerEnv-v0"

_ENTRY_POINTS = {
    CLIENT_ENV_ID: "rlay.client_env:ClientEnv",
    SERVER_ENV_ID: "rlay.server_env:ServerEnv",
}


def register_envs() -> None:
    """Register the rlay ids with Gymnasium; calling it again does nothing."""
    for env_id, entry_point in _ENTRY_POINTS.items():
        if env_id not in gymnasium.registry:
            # The env side enforces its own time limit and checks: no wrappers here.
            gymnasium.register(
                id=env_id,
                entry_point=entry_point,
                disable_env_checker=True,
                order_enforce=False,
            )
