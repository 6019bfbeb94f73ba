"""Cases on raw frames: hostile or unusual traffic, and the wire form of replies.

In client mode a hostile connection must end alone while the listening peer keeps
serving others; in server mode the dialling peer must give up with a non-zero exit.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Any

import numpy as np
import rlay
from rlay.v1 import session_pb2, tensor_pb2, value_pb2

from runner import model
from runner.cases import case
from runner.compare import same
from runner.harness import ACCEPT_TIMEOUT, REPLY_TIMEOUT, Harness
from runner.raw import Raw, hello, parse, tensor, untensor

ERROR = session_pb2.ErrorCode


def code_name(code: int) -> str:
    return ERROR.Name(code)


def reset_request(seeds: list[int | None] | None = None) -> session_pb2.SessionRequest:
    request = session_pb2.SessionRequest()
    request.reset.SetInParent()
    for seed in seeds or []:
        entry = request.reset.seeds.add()
        if seed is not None:
            entry.value = seed
    return request


def step_request(value: value_pb2.Value) -> session_pb2.SessionRequest:
    request = session_pb2.SessionRequest()
    request.step.actions.CopyFrom(value)
    return request


def discrete_action(*values: int) -> value_pb2.Value:
    """Batch form of a Discrete action: an int64 tensor [N]."""
    return value_pb2.Value(tensor=tensor(np.array(values, dtype=np.int64)))


def simple(kind: str) -> session_pb2.SessionRequest:
    request = session_pb2.SessionRequest()
    getattr(request, kind).SetInParent()
    return request


def expect_kind(response: session_pb2.SessionResponse | None, kind: str) -> Any:
    assert response is not None, f"expected a {kind} reply, the peer closed the connection"
    got = response.WhichOneof("kind")
    if got == "error":
        raise AssertionError(
            f"expected a {kind} reply, got error {code_name(response.error.code)}: "
            f"{response.error.message}"
        )
    assert got == kind, f"expected a {kind} reply, got {got}"
    return getattr(response, kind)


def expect_error(response: session_pb2.SessionResponse | None, code: str) -> str:
    assert response is not None, f"expected an error {code}, the peer closed the connection"
    assert response.WhichOneof("kind") == "error", f"expected error {code}, got {response}"
    got = code_name(response.error.code)
    assert got == f"ERROR_CODE_{code}", f"expected ERROR_CODE_{code}, got {got}"
    assert response.error.message, "an error frame should say what went wrong"
    return response.error.message


def open_session(conn: Raw, token: str = "") -> Any:
    return expect_kind(conn.roundtrip(hello(token=token)), "hello")


def still_serving(h: Harness, env: str = "episodes", token: str | None = None) -> None:
    """Client mode: the listening peer serves a full new session."""
    process = h.listening_process(env, token)
    assert process.alive(), f"the listening peer died\n{process.describe()}"
    conn = Raw.connect(h.listening_address(env, token))
    try:
        open_session(conn, token or "")
        expect_kind(conn.roundtrip(reset_request([0])), "reset")
        if env == "episodes":
            expect_kind(conn.roundtrip(step_request(discrete_action(1))), "step")
        expect_kind(conn.roundtrip(simple("close")), "close")
    finally:
        conn.close()


def after_fatal(h: Harness, conn: Raw, env: str = "episodes", token: str | None = None) -> None:
    """The connection is closed by the peer; then it still serves (client) or exits non-zero."""
    assert conn.closed_within(5.0), "the peer kept the connection open after a fatal error"
    if h.mode == "client":
        still_serving(h, env, token)
    else:
        h.expect_exit(h.dialers[-1], zero=False)


def error_or_close(conn: Raw, codes: tuple[str, ...]) -> None:
    """Either an error frame with one of ``codes`` or a closed connection."""
    response = conn.recv(10.0)
    if response is None:
        return
    assert response.WhichOneof("kind") == "error", f"expected an error or a close, got {response}"
    allowed = {f"ERROR_CODE_{c}" for c in codes}
    assert code_name(response.error.code) in allowed, response.error


# ------------------------------------------------------------------------ handshake


@case("raw/hello-reply")
def hello_reply(h: Harness) -> None:
    """The env's hello: protocol 1.x, implementation named, EnvSpec present, no token echoed."""
    with h.raw("episodes") as conn:
        reply = open_session(conn)
        assert reply.protocol_version.major == 1, reply.protocol_version
        assert reply.implementation, "hello.implementation is empty"
        assert reply.env_spec.env_id == "conformance/episodes", reply.env_spec.env_id
        assert reply.env_spec.num_envs == 1
        assert reply.token == "", "the env side must not send a token back"
        expect_kind(conn.roundtrip(simple("close")), "close")


@case("raw/minor-version-accepted")
def minor_version(h: Harness) -> None:
    """A newer minor version of the same major is accepted."""
    with h.raw("episodes") as conn:
        expect_kind(conn.roundtrip(hello(minor=9)), "hello")
        expect_kind(conn.roundtrip(reset_request([1])), "reset")
        expect_kind(conn.roundtrip(simple("close")), "close")


@case("raw/version-mismatch")
def version_mismatch(h: Harness) -> None:
    """Major version 2 is refused with VERSION_MISMATCH, then the connection closes."""
    with h.raw("episodes") as conn:
        expect_error(conn.roundtrip(hello(major=2)), "VERSION_MISMATCH")
        after_fatal(h, conn)


@case("raw/version-zero")
def version_zero(h: Harness) -> None:
    """A hello without a version (major 0) is refused with VERSION_MISMATCH."""
    with h.raw("episodes") as conn:
        expect_error(conn.roundtrip(hello(major=0)), "VERSION_MISMATCH")
        after_fatal(h, conn)


@case("raw/bad-token")
def bad_token(h: Harness) -> None:
    """A wrong token is refused with UNAUTHENTICATED, then the connection closes."""
    with h.raw("episodes", token="s3cret") as conn:
        expect_error(conn.roundtrip(hello(token="s3cre")), "UNAUTHENTICATED")
        after_fatal(h, conn, token="s3cret")


@case("raw/command-before-hello")
def before_hello(h: Harness) -> None:
    """A reset before the hello is a PROTOCOL error (or a close)."""
    with h.raw("episodes") as conn:
        conn.send(reset_request([0]))
        error_or_close(conn, ("PROTOCOL",))
        after_fatal(h, conn)


@case("raw/hello-twice")
def hello_twice(h: Harness) -> None:
    """A second hello in a session is a PROTOCOL error (or a close)."""
    with h.raw("episodes") as conn:
        open_session(conn)
        conn.send(hello())
        error_or_close(conn, ("PROTOCOL",))
        after_fatal(h, conn)


@case("raw/empty-request")
def empty_request(h: Harness) -> None:
    """A SessionRequest with no kind set is a PROTOCOL error (or a close)."""
    with h.raw("episodes") as conn:
        open_session(conn)
        conn.send(session_pb2.SessionRequest())
        error_or_close(conn, ("PROTOCOL",))
        after_fatal(h, conn)


# --------------------------------------------------------------------------- hostile


@case("raw/garbage-bytes")
def garbage(h: Harness) -> None:
    """A frame that is not a SessionRequest is a PROTOCOL error (or a close)."""
    with h.raw("episodes") as conn:
        conn.send_bytes(struct.pack("<I", 16) + b"\xff" * 16)
        error_or_close(conn, ("PROTOCOL",))
        after_fatal(h, conn)


@case("raw/garbage-after-hello")
def garbage_later(h: Harness) -> None:
    """Undecodable bytes in the middle of a session end it (PROTOCOL or close)."""
    with h.raw("episodes") as conn:
        open_session(conn)
        expect_kind(conn.roundtrip(reset_request([0])), "reset")
        conn.send_bytes(struct.pack("<I", 5) + b"\x0f\xff\xff\xff\xff")
        error_or_close(conn, ("PROTOCOL",))
        after_fatal(h, conn)


@case("raw/oversized-length")
def oversized(h: Harness) -> None:
    """A length prefix of 4 GiB - 1 is FRAME_TOO_LARGE (or a close) without waiting for it."""
    with h.raw("episodes") as conn:
        conn.send_bytes(b"\xff\xff\xff\xff" + b"\x00" * 64)
        error_or_close(conn, ("FRAME_TOO_LARGE",))
        after_fatal(h, conn)


@case("raw/oversized-after-hello")
def oversized_later(h: Harness) -> None:
    """A 2 GiB length prefix mid-session is FRAME_TOO_LARGE (or a close)."""
    with h.raw("episodes") as conn:
        open_session(conn)
        conn.send_bytes(struct.pack("<I", 0x80000000))
        error_or_close(conn, ("FRAME_TOO_LARGE",))
        after_fatal(h, conn)


@case("raw/truncated-frame")
def truncated(h: Harness) -> None:
    """A frame cut short, then a disconnect: the peer survives (or exits non-zero)."""
    with h.raw("episodes") as conn:
        open_session(conn)
        payload = reset_request([0]).SerializeToString()
        conn.send_bytes(struct.pack("<I", len(payload) + 50) + payload)
    _after_disconnect(h)


@case("raw/disconnect-mid-step")
def disconnect_mid_step(h: Harness) -> None:
    """The agent vanishes right after sending a step: the peer survives (or exits non-zero)."""
    with h.raw("large") as conn:
        open_session(conn)
        expect_kind(conn.roundtrip(reset_request([0])), "reset")
        action = value_pb2.Value(tensor=tensor(np.zeros((1, 256, 1024), np.uint8)))
        conn.send(step_request(action))
    _after_disconnect(h, "large")


@case("raw/disconnect-before-hello")
def disconnect_first(h: Harness) -> None:
    """An agent that connects and leaves at once: the peer survives (or exits non-zero)."""
    with h.raw("episodes"):
        pass
    _after_disconnect(h)


def _after_disconnect(h: Harness, env: str = "episodes") -> None:
    if h.mode == "client":
        still_serving(h, env)
    else:
        h.expect_exit(h.dialers[-1], zero=False)


@case("raw/silent-connections-do-not-block", modes=("client",))
def silent(h: Harness) -> None:
    """Idle, half-framed, oversized and garbage connections stay open while a session runs."""
    address = h.listening_address("episodes")
    hostile = [Raw.connect(address) for _ in range(4)]
    try:
        hostile[1].send_bytes(b"\x40\x00")
        hostile[2].send_bytes(struct.pack("<I", 1000) + b"\x0a")
        open_session(hostile[3])
        hostile[3].send_bytes(struct.pack("<I", 3))
        done = threading.Event()
        failure: list[BaseException] = []

        def session() -> None:
            try:
                still_serving(h)
            except BaseException as error:  # reported below
                failure.append(error)
            finally:
                done.set()

        threading.Thread(target=session, daemon=True).start()
        assert done.wait(20.0), "a new session hung while other connections were stuck"
        if failure:
            raise failure[0]
    finally:
        for conn in hostile:
            conn.close()


# A browser or a port scanner: what a listener meets first when its port is public.
_HTTP_GET = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8\r\n\r\n"


def _plain_socket(address: str) -> socket.socket:
    """A plain stream socket to a tcp://, unix:// or ws:// address (no WebSocket upgrade)."""
    if address.startswith("ws://"):
        address = "tcp://" + address[len("ws://") :].split("/", 1)[0]
    family, target = parse(address)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(10.0)
    sock.connect(target)
    return sock


@case("raw/http-first-then-a-real-agent", modes=("client",))
def http_first_listener(h: Harness) -> None:
    """A listening env side: an HTTP request first is dropped; a real agent then gets a
    working session."""
    sock = _plain_socket(h.listening_address("episodes"))
    try:
        sock.sendall(_HTTP_GET)
        with h.agent("episodes") as env:
            obs, _ = env.reset(seed=0)
            expected = model.make("episodes")
            same(expected.reset(seed=0)[0], obs, "observation after an HTTP client came first")
            env.step(1)
    finally:
        sock.close()
    still_serving(h)


@case("raw/garbage-first-then-a-real-env", modes=("server",))
def garbage_first_server_env(h: Harness) -> None:
    """The Python ServerEnv: a garbage client connects first and is dropped; the peer
    then dials in and the env works."""
    agent = rlay.ServerEnv(
        h.pool.fresh_address(h.transport), timeout=REPLY_TIMEOUT, accept_timeout=ACCEPT_TIMEOUT,
        wait=False,
    )  # fmt: skip
    sock = _plain_socket(agent.address)
    process = None
    try:
        sock.sendall(_HTTP_GET)
        process = h.dial("episodes", agent.address, None)
        agent.accept()
        obs, _ = agent.reset(seed=0)
        expected = model.make("episodes")
        same(expected.reset(seed=0)[0], obs, "observation after a garbage client came first")
        obs, *_ = agent.step(1)
        same(expected.step(1)[0], obs, "observation of the first step")
    finally:
        sock.close()
        agent.close()
    if process is not None:
        h.expect_exit(process, zero=True)


# ----------------------------------------------------------------- recoverable errors


def _episodes_session(conn: Raw) -> None:
    open_session(conn)
    expect_kind(conn.roundtrip(reset_request([0])), "reset")


def _continues(conn: Raw) -> None:
    """After a recoverable error the state has not advanced: the next step is step 1."""
    reply = expect_kind(conn.roundtrip(step_request(discrete_action(1))), "step")
    obs = untensor(reply.observations.tensor)
    env = model.make("episodes")
    env.reset(seed=0)
    same(env.step(1)[0][None, :], obs, "observation after the refused command")
    expect_kind(conn.roundtrip(simple("close")), "close")


@case("raw/wrong-action-shape")
def wrong_shape(h: Harness) -> None:
    """An action tensor of the wrong shape is INVALID_ARGUMENT; the session goes on."""
    with h.raw("episodes") as conn:
        _episodes_session(conn)
        expect_error(conn.roundtrip(step_request(discrete_action(1, 1))), "INVALID_ARGUMENT")
        bad = value_pb2.Value(tensor=tensor(np.array([[1]], dtype=np.int64)))
        expect_error(conn.roundtrip(step_request(bad)), "INVALID_ARGUMENT")
        _continues(conn)


@case("raw/wrong-action-dtype")
def wrong_dtype(h: Harness) -> None:
    """A float32 tensor for a Discrete action is INVALID_ARGUMENT; the session goes on."""
    with h.raw("episodes") as conn:
        _episodes_session(conn)
        bad = value_pb2.Value(tensor=tensor(np.array([1.0], dtype=np.float32)))
        expect_error(conn.roundtrip(step_request(bad)), "INVALID_ARGUMENT")
        _continues(conn)


@case("raw/wrong-action-kind")
def wrong_kind(h: Harness) -> None:
    """A string, a missing value or a tensor with short data is INVALID_ARGUMENT."""
    with h.raw("episodes") as conn:
        _episodes_session(conn)
        short = tensor_pb2.Tensor(dtype=tensor_pb2.DTYPE_INT64, shape=[1], data=b"\x01\x00")
        for bad in (value_pb2.Value(string_value="1"), value_pb2.Value(),
                    value_pb2.Value(tensor=short)):  # fmt: skip
            expect_error(conn.roundtrip(step_request(bad)), "INVALID_ARGUMENT")
        _continues(conn)


@case("raw/action-out-of-space")
def out_of_space(h: Harness) -> None:
    """Discrete(3) actions 3, 7 and -1 are outside the space: INVALID_ARGUMENT, session goes on."""
    with h.raw("episodes") as conn:
        _episodes_session(conn)
        for bad in (3, 7, -1):
            expect_error(conn.roundtrip(step_request(discrete_action(bad))), "INVALID_ARGUMENT")
        _continues(conn)


@case("raw/wrong-seed-count")
def wrong_seeds(h: Harness) -> None:
    """Two seeds for one sub-env is INVALID_ARGUMENT; the session goes on."""
    with h.raw("episodes") as conn:
        open_session(conn)
        expect_error(conn.roundtrip(reset_request([0, 1])), "INVALID_ARGUMENT")
        expect_kind(conn.roundtrip(reset_request([0])), "reset")
        _continues(conn)


@case("raw/env-error-continues")
def env_error(h: Harness) -> None:
    """Action 3 of `control` on the wire: ERROR_CODE_ENV with the env's message, then on."""
    with h.raw("control") as conn:
        open_session(conn)
        expect_kind(conn.roundtrip(reset_request([0])), "reset")
        message = expect_error(conn.roundtrip(step_request(discrete_action(3))), "ENV")
        assert "action 3 is refused" in message, message
        reply = expect_kind(conn.roundtrip(step_request(discrete_action(1))), "step")
        same(np.array([[1, 1, 1]], dtype=np.int64), untensor(reply.observations.tensor), "obs")
        expect_kind(conn.roundtrip(simple("close")), "close")


# ------------------------------------------------------------------------ wire forms


@case("raw/pipelined")
def pipelined(h: Harness) -> None:
    """Requests sent back to back are answered one each, in order."""
    with h.raw("episodes") as conn:
        requests = [hello(), reset_request([0]), step_request(discrete_action(2)),
                    step_request(discrete_action(1)), simple("close")]  # fmt: skip
        conn.send_bytes(b"".join(struct.pack("<I", r.ByteSize()) + r.SerializeToString()
                                 for r in requests))  # fmt: skip
        kinds = ["hello", "reset", "step", "step", "close"]
        replies = [expect_kind(conn.recv(10.0), kind) for kind in kinds]
        obs = untensor(replies[3].observations.tensor)
        assert (obs[0, 0], obs[0, 1]) == (2, 3), obs
        assert conn.closed_within(5.0), "the peer kept the connection open after close"
    if h.mode == "server":
        h.expect_exit(h.dialers[-1], zero=True)


@case("raw/step-reply-tensors")
def step_tensors(h: Harness) -> None:
    """Step replies carry float64/bool [N] tensors and the batch form of a Dict, in key order."""
    with h.raw("batched-same-step") as conn:
        open_session(conn)
        reset = expect_kind(conn.roundtrip(reset_request([1, 2, 3, 4])), "reset")
        entries = reset.observations.map_value.entries
        assert [e.key for e in entries] == ["t", "pos", "id"], [e.key for e in entries]
        shapes = [(e.value.tensor.dtype, list(e.value.tensor.shape)) for e in entries]
        assert shapes == [(tensor_pb2.DTYPE_INT64, [4]), (tensor_pb2.DTYPE_INT32, [4, 2]),
                          (tensor_pb2.DTYPE_UINT32, [4])], shapes  # fmt: skip
        action = value_pb2.Value()
        parts = action.tuple_value.items
        parts.add().tensor.CopyFrom(tensor(np.array([1, 0, -1, 1], dtype=np.int64)))
        parts.add().tensor.CopyFrom(tensor(np.array([2, 0, -3, 3], dtype=np.int32)))
        step = expect_kind(conn.roundtrip(step_request(action)), "step")
        vec = model.make("batched-same-step")
        vec.reset(seed=[1, 2, 3, 4])
        rewards = vec.step((np.array([1, 0, -1, 1]), np.array([2, 0, -3, 3], dtype=np.int32)))[1]
        for part, dtype in (("rewards", tensor_pb2.DTYPE_FLOAT64),
                            ("terminated", tensor_pb2.DTYPE_BOOL),
                            ("truncated", tensor_pb2.DTYPE_BOOL)):  # fmt: skip
            t = getattr(step, part)
            assert (t.dtype, list(t.shape)) == (dtype, [4]), (part, t.dtype, t.shape)
        same(rewards, untensor(step.rewards), "rewards")
        expect_kind(conn.roundtrip(simple("close")), "close")


@case("raw/render-frame-wire")
def render_wire(h: Harness) -> None:
    """An rgb_array frame travels as one uint8 [6, 8, 3] tensor per sub-env."""
    with h.raw("control") as conn:
        reply = expect_kind(conn.roundtrip(hello(render_mode="rgb_array")), "hello")
        assert reply.env_spec.render_mode == "rgb_array", reply.env_spec.render_mode
        expect_kind(conn.roundtrip(reset_request([0])), "reset")
        frames = expect_kind(conn.roundtrip(simple("render")), "render").frames
        assert len(frames) == 1, frames
        assert frames[0].WhichOneof("kind") == "tensor", frames
        env = model.make("control", render_mode="rgb_array")
        env.reset(seed=0)
        same(env.render(), untensor(frames[0].tensor), "frame")
        expect_kind(conn.roundtrip(simple("close")), "close")


@case("raw/seeds-on-the-wire")
def seeds_wire(h: Harness) -> None:
    """Seed entries per sub-env: unset, 0, 2^64 - 1 and 5 give four different keys."""
    seeds: list[int | None] = [None, 0, 2**64 - 1, 5]
    with h.raw("batched-disabled") as conn:
        open_session(conn)
        reset = expect_kind(conn.roundtrip(reset_request(seeds)), "reset")
        ids = untensor(reset.observations.map_value.entries[2].value.tensor)
        vec = model.make("batched-disabled")
        same(vec.reset(seed=seeds)[0]["id"], ids, "ids")
        lens = [info.map_value.entries[0].value.int_value for info in reset.infos]
        expected = [int(v) for v in vec.reset(seed=seeds)[1]["len"]]
        assert lens == expected, (lens, expected)
        expect_kind(conn.roundtrip(simple("close")), "close")


@case("raw/close-reply")
def close_reply(h: Harness) -> None:
    """close is answered with close, then the peer closes the connection."""
    with h.raw("episodes") as conn:
        open_session(conn)
        expect_kind(conn.roundtrip(simple("close")), "close")
        assert conn.closed_within(5.0), "the peer kept the connection open after close"
    if h.mode == "server":
        h.expect_exit(h.dialers[-1], zero=True)
