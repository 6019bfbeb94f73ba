"""Per-step cost of each piece of rlay's step, timed one at a time in one process.

    python bench/profile_rlay.py --components [--payload cartpole]

Captures one real step request and reply (through the loopback case), then times
each piece of the agent side's and the env side's work on them: building,
serializing, parsing and decoding the messages, the reference backend's step, and
the ClientEnv wrapper. Each piece runs in a tight loop (hot caches), so the sum is a
lower bound of what a step costs in two processes. It calls rlay internals by name:
a piece whose function has moved is reported as missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rlaybench.cases.rlay_loopback import _env
from rlaybench.payloads import PAYLOADS, action_for


def _time(fn: Callable[[], object], budget: float = 0.3) -> float:
    """µs per call: best of 3 runs of a loop lasting about ``budget / 3`` seconds."""
    fn()
    n, start = 1, time.perf_counter()
    while time.perf_counter() - start < 0.02:
        fn()
        n += 1
    per = (time.perf_counter() - start) / n
    loops = max(1, int(budget / 3 / per))
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - t0) / loops)
    return best * 1e6


def _capture(payload_name: str) -> tuple[Any, bytes, bytes]:
    """(env, one step request frame, its reply frame) from the loopback case."""
    payload = PAYLOADS[payload_name]
    env = _env(payload)
    env.reset(seed=0)
    loop = env._session._connection
    sent: list[bytes] = []
    replies: list[bytes] = []
    send, recv = loop.send, loop.recv
    loop.send = lambda data: (sent.append(bytes(data)), send(data))[1]
    loop.recv = lambda timeout=None: replies.append(recv(timeout)) or replies[-1]
    env.step(action_for(payload, 1))
    loop.send, loop.recv = send, recv
    return env, sent[-1], replies[-1]


def pieces(payload_name: str) -> list[tuple[str, str, Callable[[], object]]]:
    """(side, piece, fn) for every piece that can be built against this rlay."""
    import numpy as np
    from rlay import agent_session, env_session, values
    from rlay.v1 import session_pb2, tensor_pb2

    payload = PAYLOADS[payload_name]
    env, request_wire, reply_wire = _capture(payload_name)
    desc = env._session.description
    n = desc.num_envs
    obs_space, act_space = desc.observation_space, desc.action_space
    backend = env._session._connection.session._backend
    action = action_for(payload, 1)
    batch_action = (
        np.asarray(action) if payload.batched else agent_session.batch_of_one(act_space, action)
    )
    request = session_pb2.SessionRequest.FromString(request_wire)
    reply = session_pb2.SessionResponse.FromString(reply_wire)
    result = backend.step(values.decode_batch(act_space, request.step.actions, n))
    f64, bool_ = np.dtype("<f8"), np.dtype(np.bool_)

    def fill_reply() -> object:
        msg = session_pb2.SessionResponse()
        step = msg.step
        values.fill_batch(step.observations, obs_space, result.observations, n)
        step.rewards.data = env_session.column_bytes(result.rewards, f64, n, "rewards")
        step.terminated.data = env_session.column_bytes(result.terminated, bool_, n, "terminated")
        step.truncated.data = env_session.column_bytes(result.truncated, bool_, n, "truncated")
        return msg

    built = fill_reply()

    def read_columns() -> object:
        s = reply.step
        return (
            agent_session.read_column(s.rewards, tensor_pb2.DTYPE_FLOAT64, f64, n),
            agent_session.read_column(s.terminated, tensor_pb2.DTYPE_BOOL, bool_, n),
            agent_session.read_column(s.truncated, tensor_pb2.DTYPE_BOOL, bool_, n),
        )

    def fill_request() -> object:
        msg = session_pb2.SessionRequest()
        values.fill_batch(msg.step.actions, act_space, batch_action, n)
        return msg

    codec = env._session._codec  # the hand-built step frames (None: other spaces)
    out: list[tuple[str, str, Callable[[], object]]] = []
    if codec is not None:
        if payload.batched:
            out.append(
                ("agent", "build the request (StepCodec)", lambda: codec.encode_request(action))
            )

            def read_reply() -> object:
                fast = codec.decode_reply(reply_wire)
                return codec.observations(fast), codec.columns(fast)

        else:
            out.append(
                (
                    "agent",
                    "build the request (StepCodec, one env)",
                    lambda: codec.encode_request_one(action),
                )
            )

            def read_reply() -> object:
                return codec.decode_reply_one(reply_wire)

        single = backend.single_step() if not payload.batched else None
        read_request: Callable[[], object]
        step: Callable[[], object]
        build_reply: Callable[[], object]
        if single is not None:  # one env without autoreset: no batch form on the env side
            stepped = single(codec.decode_request_one(request_wire))
            how, what = ", one env", "GymBackend.single_step + echo env"

            def read_request() -> object:
                return codec.decode_request_one(request_wire)

            def step() -> object:
                return single(codec.decode_request_one(request_wire))

            def build_reply() -> object:  # joined, as a transport without send_parts does
                return b"".join(codec.encode_reply_one(*stepped) or ())

        else:
            how, what = "", "backend step (GymBackend/vector backend + echo env)"

            def read_request() -> object:
                return codec.decode_request(request_wire)

            def step() -> object:
                return backend.step(codec.decode_request(request_wire))

            def build_reply() -> object:
                return codec.encode_reply(*result)

        out += [
            ("agent", f"read the reply (StepCodec{how})", read_reply),
            ("env", f"read the request (StepCodec{how})", read_request),
            ("env", what, step),
            ("env", f"build the reply (StepCodec{how})", build_reply),
        ]
    # The generic path (protobuf messages, space-directed codecs), which other spaces take.
    if not payload.batched:
        out.append(
            (
                "agent, generic",
                "ClientEnv wrapper: action to batch of one",
                lambda: agent_session.batch_of_one(act_space, action),
            )
        )
        obs_batch = values.decode_batch(obs_space, reply.step.observations, n)
        out.append(
            (
                "agent, generic",
                "ClientEnv wrapper: first of the obs batch",
                lambda: agent_session.first_of_batch(obs_space, obs_batch),
            )
        )
    out += [
        ("agent, generic", "fill the actions (fill_batch)", fill_request),
        ("agent, generic", "serialize the request", lambda: request.SerializeToString()),
        (
            "agent, generic",
            "parse the reply (fresh message)",
            lambda: session_pb2.SessionResponse.FromString(reply_wire),
        ),
        (
            "agent, generic",
            "decode the observations (decode_batch)",
            lambda: values.decode_batch(obs_space, reply.step.observations, n),
        ),
        ("agent, generic", "decode rewards/terminated/truncated", read_columns),
        (
            "env, generic",
            "parse the request (fresh message)",
            lambda: session_pb2.SessionRequest.FromString(request_wire),
        ),
        (
            "env, generic",
            "decode the actions (decode_batch)",
            lambda: values.decode_batch(act_space, request.step.actions, n),
        ),
        ("env, generic", "fill the reply (observations + 3 columns)", fill_reply),
        ("env, generic", "serialize the reply", lambda: built.SerializeToString()),
    ]
    return out


def report(payload_name: str) -> str:
    lines = [f"pieces of one rlay step, {payload_name} ({PAYLOADS[payload_name].label}):"]
    totals: dict[str, float] = {}
    try:
        items = pieces(payload_name)
    except (AttributeError, ImportError) as error:
        return f"cannot build the pieces against this rlay: {error}"
    for side, name, fn in items:
        try:
            us = _time(fn)
        except (AttributeError, TypeError) as error:
            lines.append(f"  {side:14s} {name:52s}  missing ({error})")
            continue
        totals[side] = totals.get(side, 0.0) + us
        lines.append(f"  {side:14s} {name:52s} {us:9.2f} µs")
    for side, total in totals.items():
        lines.append(f"  {side:14s} {'sum':52s} {total:9.2f} µs")
    return "\n".join(lines)
