"""rlay's protocol stack without a transport: both sessions in one thread.

The agent side (``RemoteEnv`` / ``RemoteVectorEnv``, the classes behind ClientEnv and
ServerEnv) and the env side (``EnvSession`` with the same backend as the rlay case)
are wired by an in-memory connection pair: the agent's ``send`` hands the frame over,
its ``recv`` lets the env session answer it right there. Every step still encodes,
frames and decodes both messages, so this row is the CPU cost of rlay's own code per
step; the rest of an rlay row is the transport (compare the raw socket echo).
"""

from __future__ import annotations

import argparse
from collections import deque
from typing import Any

from rlaybench import harness
from rlaybench.cases.rlay_case import vector_backend
from rlaybench.payloads import PAYLOADS, Payload, action_for


class _EnvEnd:
    def __init__(self, loop: _Loop) -> None:
        self.loop = loop
        self.description = "loopback"

    def send(self, data: Any) -> None:
        self.loop.to_agent.append(data)

    def recv(self, timeout: float | None = None) -> bytes:
        return self.loop.to_env.popleft()

    def close(self) -> None:
        pass


class _Loop:
    """The agent's end; its recv runs the env session on the frame just sent."""

    def __init__(self) -> None:
        self.to_env: deque[Any] = deque()
        self.to_agent: deque[Any] = deque()
        self.env_end = _EnvEnd(self)
        self.session: Any = None
        self._greeted = False
        self.description = "loopback"

    def send(self, data: Any) -> None:
        self.to_env.append(data)

    def recv(self, timeout: float | None = None) -> bytes:
        if not self._greeted:
            self._greeted = True
            self.session._handshake()
        else:
            try:
                self.session._serve_one()
            except Exception:
                if not self.to_agent:  # the end of the session (close) is fine
                    raise
        data = self.to_agent.popleft()
        return data if type(data) is bytes else bytes(data)

    def close(self) -> None:
        pass


def _env(payload: Payload) -> Any:
    from rlay.client_env import RemoteEnv, RemoteVectorEnv
    from rlay.host import GymBackend
    from rlay.session import AgentSession, EnvSession

    from rlaybench.echo_env import EchoEnv

    loop = _Loop()
    if payload.batched:
        backend = vector_backend(payload)
        env: Any = RemoteVectorEnv()
    else:
        backend = GymBackend(lambda: EchoEnv(payload.name))
        env = RemoteEnv()
    loop.session = EnvSession(loop.env_end, backend)
    env._attach(AgentSession(loop), token=None, render_mode=None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    args = parser.parse_args()
    payload = PAYLOADS[args.payload]
    env = _env(payload)
    env.reset(seed=0)
    actions = [action_for(payload, 0), action_for(payload, 1)]

    def step(i: int) -> object:
        return env.step(actions[i & 1])

    result = harness.measure(step, harness.config_from(args))
    env.close()
    from importlib.metadata import version

    harness.emit(
        "rlay",
        "loopback",
        "none",
        payload,
        result,
        shape="both rlay sessions in one thread, frames handed over in memory",
        library=f"rlay {version('rlay')}",
    )


if __name__ == "__main__":
    main()
