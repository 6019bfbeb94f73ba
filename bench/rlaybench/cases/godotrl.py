"""Godot RL Agents: its real ``GodotEnv`` against a stub game speaking its protocol.

Python listens on TCP (``GodotEnv`` binds and accepts); the stub game dials in, as
the Godot plugin's ``sync.gd`` does, and speaks its JSON-over-TCP protocol: u32
little-endian length + JSON text; ``handshake`` (no reply), ``env_info``, ``reset``,
then per step an ``action`` message answered by a ``step`` message carrying
``obs``/``reward``/``done`` per agent. Float observations travel as JSON number lists,
images (keys containing "2d") as hex strings, as the plugin's sensors send them. A
batch is ``n_agents`` agents in one scene. After ``GodotEnv.step`` the driver turns the
observations into numpy arrays the way godot-rl's Stable-Baselines3 wrapper does
(``np.array`` per key), so every system hands the agent numpy arrays.
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import time

import numpy as np

from rlaybench import harness
from rlaybench.payloads import Payload, initial_obs, stamp

_LEN = struct.Struct("<I")


def _obs_key(payload: Payload) -> str:
    return "obs_2d" if payload.dtype == "uint8" else "obs"


# ------------------------------------------------------------------------------ stub game


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            raise ConnectionError("GodotEnv closed the connection")
        got += k
    return bytes(buf)


def _recv_json(sock: socket.socket) -> dict[str, object]:
    (size,) = _LEN.unpack(_recv_exact(sock, 4))
    message: dict[str, object] = json.loads(_recv_exact(sock, size))
    return message


def _send_json(sock: socket.socket, message: dict[str, object]) -> None:
    text = json.dumps(message).encode("ascii")
    sock.sendall(_LEN.pack(len(text)) + text)


def _agent_obs(payload: Payload, obs: np.ndarray) -> list[dict[str, object]]:
    """What the plugin's sensors put in the message, one dict per agent."""
    rows = obs if payload.batched else obs[np.newaxis]
    if payload.dtype == "uint8":
        return [{"obs_2d": row.tobytes().hex()} for row in rows]
    return [{"obs": row.tolist()} for row in rows]


def _connect(port: int, timeout: float = 60.0) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
            continue
        sock.settimeout(120)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def env_side(args: argparse.Namespace, payload: Payload) -> None:
    harness.announce_ready()
    sock = _connect(int(args.address))
    n = payload.num_envs
    obs = initial_obs(payload)
    key = _obs_key(payload)
    space = {key: {"size": list(payload.shape), "space": "box"}}
    t = 0
    while True:
        try:
            message = _recv_json(sock)
        except ConnectionError:
            return
        kind = message["type"]
        if kind == "handshake":
            continue  # the plugin only compares versions and prints a warning
        if kind == "env_info":
            _send_json(
                sock,
                {
                    "type": "env_info",
                    "observation_space": [space] * n,
                    "action_space": [{"move": {"size": 2, "action_type": "discrete"}}] * n,
                    "n_agents": n,
                    "agent_policy_names": ["shared_policy"] * n,
                },
            )
        elif kind == "reset":
            t = 0
            stamp(obs, t)
            reply = {"type": "reset", "obs": _agent_obs(payload, obs), "info": [{}] * n}
            _send_json(sock, reply)
        elif kind == "action":
            actions = message["action"]
            if not isinstance(actions, list) or len(actions) != n:
                raise ValueError(f"expected {n} actions, got {actions!r:.80}")
            t += 1
            stamp(obs, t)
            reply = {
                "type": "step",
                "obs": _agent_obs(payload, obs),
                "reward": [1.0] * n,
                "done": [False] * n,
                "info": [{}] * n,
            }
            _send_json(sock, reply)
        elif kind == "close":
            sock.close()
            return


# ------------------------------------------------------------------------------ driver


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def driver(args: argparse.Namespace, payload: Payload) -> None:
    from godot_rl.core.godot_env import GodotEnv

    port = _free_port()
    side = harness.Side(harness.side_command("rlaybench.cases.godotrl", args, address=str(port)))
    env = None
    try:
        side.wait_ready()
        env = GodotEnv(env_path=None, port=port)
        env.reset()
        key = _obs_key(payload)
        actions = [[np.full(payload.num_envs, a, dtype=np.int64)] for a in (0, 1)]

        def step(i: int) -> object:
            obs, reward, _term, _trunc, _info = env.step(actions[i & 1])
            return np.array([o[key] for o in obs]), np.array(reward, dtype=np.float32)

        result = harness.measure(step, harness.config_from(args))
    finally:
        if env is not None:
            _close_quietly(env)
        side.stop()
    harness.emit(
        "Godot RL Agents",
        "GodotEnv",
        "tcp",
        payload,
        result,
        shape="JSON over TCP; Python listens, the game dials",
        library="godot-rl " + _version("godot-rl"),
    )


def _close_quietly(env: object) -> None:
    """GodotEnv.close sleeps 1 s after sending close; send it ourselves instead."""
    import atexit

    env._send_as_json({"type": "close"})  # type: ignore[attr-defined]
    env.connection.close()  # type: ignore[attr-defined]
    atexit.unregister(env._close)  # type: ignore[attr-defined]


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def main() -> None:
    harness.run_case(__doc__, env_side, driver)


if __name__ == "__main__":
    main()
