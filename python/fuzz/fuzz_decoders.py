"""Fuzz the Python decoders with atheris: frames, and every message kind either side reads.

The first input byte picks a target, the rest is what the peer sent:

* frames: :class:`rlay.wire.FrameDecoder` fed in two chunks (a small frame limit);
* the agent side: an :class:`~rlay.agent_session.AgentSession` whose handshake reply is
  one of the golden hello vectors (each kind of spaces), then the fuzz bytes as the reply
  to reset, step, render, call or close (hand-built step frames included);
* the agent side's handshake itself: the fuzz bytes as the env's hello;
* the env side: an :class:`~rlay.env_session.EnvSession` hosting a small Dict/MultiDiscrete
  env through :class:`~rlay.host.GymBackend`, given a valid hello and then the fuzz bytes.

A decoder may refuse its input only with an :class:`rlay.RlayError` (or protobuf's
DecodeError); the env side must never raise at all. Anything else is a finding. The seed
corpus is every golden vector of conformance/vectors under each target byte. Run::

    python python/fuzz/fuzz_decoders.py -max_total_time=40     # what `nox -s fuzz` does
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["rlay"]):
    import gymnasium as gym
    import numpy as np
    from google.protobuf.message import DecodeError
    from gymnasium import spaces

    from rlay.agent_session import AgentSession
    from rlay.env_session import EnvSession
    from rlay.errors import ConnectionClosed, RlayError
    from rlay.host import GymBackend
    from rlay.v1 import session_pb2
    from rlay.wire import FrameDecoder

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "conformance" / "vectors"
REFUSALS = (RlayError, DecodeError)
HELLOS = sorted(VECTORS.glob("response_hello_*.binpb"))
AGENT_COMMANDS = ("reset", "step", "render", "call", "close")
TARGETS = 2 + len(HELLOS) * len(AGENT_COMMANDS) + 1  # frames, agent hello, agent cmds, env


class Scripted:
    """A connection that answers with scripted frames, then reports the peer gone."""

    def __init__(self, frames: list[bytes]) -> None:
        self.frames = list(frames)

    def send(self, payload: Any) -> None:
        pass

    def recv(self, timeout: float | None) -> bytes:
        if not self.frames:
            raise ConnectionClosed("the script has ended")
        return self.frames.pop(0)

    def close(self) -> None:
        self.frames = []


class Grid(gym.Env[Any, Any]):
    """Small but not trivial spaces for the env side to decode actions into."""

    observation_space = spaces.Dict(
        {"pos": spaces.Box(0, 4, (2,), np.int64), "seen": spaces.MultiBinary(3)}
    )
    action_space = spaces.MultiDiscrete([3, 3])

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        return {"pos": np.zeros(2, np.int64), "seen": np.zeros(3, np.int8)}, {}

    def step(self, action: Any) -> Any:
        obs = {"pos": np.asarray(action, np.int64) % 5, "seen": np.ones(3, np.int8)}
        return obs, 1.0, False, False, {"note": "ok"}


def _hello_request() -> bytes:
    request = session_pb2.SessionRequest()
    request.hello.protocol_version.major = 1
    return request.SerializeToString()


def _close_request() -> bytes:
    request = session_pb2.SessionRequest()
    request.close.SetInParent()
    return request.SerializeToString()


HELLO_REQUEST = _hello_request()
CLOSE_REQUEST = _close_request()
HELLO_REPLIES = [path.read_bytes() for path in HELLOS]


def frames(data: bytes) -> None:
    decoder = FrameDecoder(max_frame_size=1 << 16)
    half = len(data) // 2
    try:
        decoder.feed(data[:half])
        decoder.feed(data[half:])
    except REFUSALS:
        pass


def agent(hello: bytes | None, command: str, data: bytes) -> None:
    session = AgentSession(Scripted([hello if hello is not None else data, data]), timeout=1.0)
    try:
        description = session.hello()
        if hello is None:
            return
        if command == "reset":
            session.reset(seeds=[0] * description.num_envs)
        elif command == "step":
            space = description.action_space
            if space is None:  # a multi-agent hello: its steps are another path
                return
            space.seed(0)
            session.step(gym.vector.utils.batch_space(space, description.num_envs).sample())
        elif command == "render":
            session.render()
        elif command == "call":
            session.call("name", {"a": 1})
        else:
            session.close()
    except REFUSALS:
        pass


def env(data: bytes) -> None:
    # Must never raise: the env side answers or closes, whatever arrives.
    session = EnvSession(Scripted([HELLO_REQUEST, data, CLOSE_REQUEST]), GymBackend(Grid))
    session.run()


def test_one(data: bytes) -> None:
    if not data:
        return
    target, payload = data[0] % TARGETS, data[1:]
    if target == 0:
        frames(payload)
    elif target == 1:
        agent(None, "", payload)
    elif target == TARGETS - 1:
        env(payload)
    else:
        index = target - 2
        hello = HELLO_REPLIES[index // len(AGENT_COMMANDS)]
        agent(hello, AGENT_COMMANDS[index % len(AGENT_COMMANDS)], payload)


def seed_corpus(directory: Path) -> None:
    """Every golden vector under every target byte."""
    for vector in sorted(VECTORS.glob("*.binpb")):
        payload = vector.read_bytes()
        for target in range(TARGETS):
            (directory / f"{vector.stem}-{target}").write_bytes(bytes([target]) + payload)


def main() -> None:
    logging.disable(logging.CRITICAL)  # every refused frame is logged by the env side
    corpus = Path(tempfile.mkdtemp(prefix="rlay-fuzz-"))
    seed_corpus(corpus)
    atheris.Setup([*sys.argv, str(corpus)], test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
