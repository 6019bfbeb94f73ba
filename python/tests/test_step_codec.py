"""Hand-built step frames: byte for byte what protobuf writes, read exactly as protobuf
reads them, and anything in another layout is left to protobuf."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import (
    assert_exact,
    box_spaces,
    discrete_spaces,
    multi_binary_spaces,
    multi_discrete_spaces,
)

from rlay.protocol import FinalStep
from rlay.step_codec import StepCodec
from rlay.tensors import fill_tensor
from rlay.v1 import session_pb2
from rlay.values import decode_batch, decode_value, fill_batch, fill_element, fill_value

VECTORS = Path(__file__).resolve().parents[2] / "conformance" / "vectors"

tensor_spaces = st.one_of(
    box_spaces(), discrete_spaces(), multi_discrete_spaces(), multi_binary_spaces()
)
infos_st = st.lists(
    st.dictionaries(st.sampled_from(["a", "lives"]), st.integers(-5, 5), max_size=2),
    min_size=3,
    max_size=3,
)


def batch(space: spaces.Space[Any], n: int) -> np.ndarray[Any, Any]:
    return np.stack([np.asarray(space.sample(), dtype=space.dtype) for _ in range(n)])


def protobuf_request(space: spaces.Space[Any], actions: Any, n: int) -> bytes:
    request = session_pb2.SessionRequest()
    fill_batch(request.step.actions, space, actions, n, path="actions")
    return request.SerializeToString()


def protobuf_reply(
    space: spaces.Space[Any],
    observations: Any,
    columns: tuple[Any, Any, Any],
    infos: list[dict[str, Any]],
    finals: list[FinalStep],
) -> bytes:
    n = len(infos)
    response = session_pb2.SessionResponse()
    step = response.step
    fill_batch(step.observations, space, observations, n)
    fill_tensor(step.rewards, np.asarray(columns[0], dtype="<f8"))
    fill_tensor(step.terminated, np.asarray(columns[1], dtype=np.bool_))
    fill_tensor(step.truncated, np.asarray(columns[2], dtype=np.bool_))
    if any(infos):
        for info in infos:
            fill_value(step.infos.add(), info)
    for final in finals:
        entry = step.finals.add()
        entry.index = final.index
        fill_element(entry.observation, space, final.observation)
        fill_value(entry.info, final.info)
    return response.SerializeToString()


@settings(max_examples=150, deadline=None)
@given(obs_space=tensor_spaces, act_space=tensor_spaces, n=st.integers(1, 3), data=st.data())
def test_request_is_protobufs_bytes_and_reads_back(
    obs_space: spaces.Space[Any], act_space: spaces.Space[Any], n: int, data: st.DataObject
) -> None:
    codec = StepCodec.for_spaces(obs_space, act_space, n)
    assert codec is not None
    act_space.seed(data.draw(st.integers(0, 2**32 - 1)))
    actions = batch(act_space, n)
    frame = codec.encode_request(actions)
    assert frame == protobuf_request(act_space, actions, n)
    message = session_pb2.SessionRequest.FromString(frame)
    assert_exact(codec.decode_request(frame), decode_batch(act_space, message.step.actions, n))
    if n == 1:
        one = codec.encode_request_one(actions[0])
        assert one is None or one == frame
        # The env's single-env read: the element batch[0] gives, of the same type.
        assert_exact(
            codec.decode_request_one(frame), decode_batch(act_space, message.step.actions, 1)[0]
        )
        assert codec.decode_request_one(frame + b"\x00") is None


@settings(max_examples=150, deadline=None)
@given(
    obs_space=tensor_spaces,
    n=st.integers(1, 3),
    rewards=hnp.arrays(np.float64, 3),
    flags=hnp.arrays(np.bool_, (2, 3)),
    infos=infos_st,
    final=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_reply_is_protobufs_bytes_and_reads_back(
    obs_space: spaces.Space[Any],
    n: int,
    rewards: np.ndarray[Any, Any],
    flags: np.ndarray[Any, Any],
    infos: list[dict[str, Any]],
    final: bool,
    seed: int,
) -> None:
    codec = StepCodec.for_spaces(obs_space, spaces.Discrete(2), n)
    assert codec is not None
    obs_space.seed(seed)
    observations = batch(obs_space, n)
    columns = (rewards[:n], flags[0, :n], flags[1, :n])
    finals = [FinalStep(n - 1, obs_space.sample(), {"t": 1})] if final else []
    frame = codec.encode_reply(observations, *columns, infos[:n], finals)
    assert frame == protobuf_reply(obs_space, observations, columns, infos[:n], finals)

    reply = codec.decode_reply(frame)
    assert reply is not None
    step = session_pb2.SessionResponse.FromString(frame).step
    assert_exact(codec.observations(reply), decode_batch(obs_space, step.observations, n))
    decoded = codec.columns(reply)
    assert decoded is not None
    for got, sent in zip(decoded, columns, strict=True):
        assert_exact(got, np.asarray(sent))
    assert [decode_value(v) for v in codec.infos(reply)] == [decode_value(v) for v in step.infos]
    assert codec.finals(reply) == list(step.finals)
    if n == 1:
        single = codec.single(reply)
        assert single is not None
        obs = decode_batch(obs_space, step.observations, 1)[0]
        expected_obs = int(obs) if isinstance(obs_space, spaces.Discrete) else obs
        assert_exact(
            single, (expected_obs, float(rewards[0]), bool(flags[0, 0]), bool(flags[1, 0]))
        )
        # The single-env pair: built from env.step's values, read into the same scalars.
        plain = codec.encode_reply(observations, *columns, infos[:1], [])
        one = codec.encode_reply_one(observations[0], rewards[0], *flags[:, 0], infos[0])
        if not infos[0] and isinstance(observations[0], np.ndarray):
            assert one is not None
            assert b"".join(one) == plain
        else:
            assert one is None
        parts = codec.encode_reply_parts(observations, *columns, infos[:n], finals)
        assert b"".join(parts) == frame
        read = codec.decode_reply_one(plain)
        if infos[0] or observations.dtype == np.bool_:
            assert read is None  # left to decode_reply
        else:
            assert read is not None
            assert_exact(read, single)
            bad = bytearray(plain)
            bad[-1] = 2  # truncated must be 0 or 1
            assert codec.decode_reply_one(bytes(bad)) is None


def test_other_layouts_are_left_to_protobuf() -> None:
    codec = StepCodec.for_spaces(spaces.Box(-1, 1, (2,)), spaces.Discrete(2), 1)
    assert codec is not None
    obs = np.zeros((1, 2), np.float32)
    frame = codec.encode_reply(obs, np.ones(1), np.zeros(1, bool), np.zeros(1, bool), [{}], [])
    assert codec.decode_reply(frame) is not None
    message = session_pb2.SessionResponse.FromString(frame)
    # The same fields in another order (as another encoder may write them).
    step = message.step
    reordered = (
        b"\x1a"
        + bytes([len(step.SerializeToString())])
        + session_pb2.StepResponse(rewards=step.rewards).SerializeToString()
        + session_pb2.StepResponse(observations=step.observations).SerializeToString()
        + session_pb2.StepResponse(
            terminated=step.terminated, truncated=step.truncated
        ).SerializeToString()
    )
    assert session_pb2.SessionResponse.FromString(reordered) == message
    assert codec.decode_reply(reordered) is None
    # A field repeated after the fixed part (protobuf merges it): not ours to read.
    extra = session_pb2.StepResponse(rewards=step.rewards).SerializeToString()
    twice = b"\x1a" + bytes([len(frame) - 2 + len(extra)]) + frame[2:] + extra
    assert codec.decode_reply(twice) is None
    # An error reply, a truncated frame, a bool that is neither 0 nor 1.
    error = session_pb2.SessionResponse()
    error.error.message = "no"
    assert codec.decode_reply(error.SerializeToString()) is None
    assert codec.decode_reply(frame[:-1]) is None
    bad_flag = bytearray(frame)
    bad_flag[-1] = 2
    reply = codec.decode_reply(bytes(bad_flag))
    assert reply is None or (codec.columns(reply) is None and codec.single(reply) is None)
    # Requests: another kind of command, or a longer frame, is not a step we read.
    request = codec.encode_request(np.array([1]))
    assert codec.decode_request(request + b"\x00") is None
    assert codec.decode_request(session_pb2.SessionRequest().SerializeToString()) is None


def test_spaces_whose_batch_is_not_one_tensor_get_no_codec() -> None:
    box = spaces.Box(-1, 1, (2,))
    assert StepCodec.for_spaces(spaces.Dict({"a": box}), spaces.Discrete(2), 1) is None
    assert StepCodec.for_spaces(box, spaces.Tuple([spaces.Discrete(2)]), 1) is None
    assert StepCodec.for_spaces(box, spaces.Text(3), 2) is None


def test_golden_step_reply() -> None:
    """The golden step reply (int64 observations, infos, finals) reads back as protobuf
    reads it; the one with every field unset is not in the fixed layout."""
    data = (VECTORS / "response_step.binpb").read_bytes()
    step = session_pb2.SessionResponse.FromString(data).step
    space = spaces.Box(-(2**63), 2**63 - 1, (), np.int64)
    codec = StepCodec.for_spaces(space, spaces.Discrete(2), 3)
    assert codec is not None
    reply = codec.decode_reply(data)
    assert reply is not None
    assert_exact(codec.observations(reply), decode_batch(space, step.observations, 3))
    columns = codec.columns(reply)
    assert columns is not None
    assert [c.tobytes() for c in columns] == [
        step.rewards.data,
        step.terminated.data,
        step.truncated.data,
    ]
    assert codec.infos(reply) == list(step.infos)
    assert codec.finals(reply) == list(step.finals)
    minimal = (VECTORS / "response_step_minimal.binpb").read_bytes()
    assert codec.decode_reply(minimal) is None


def test_golden_step_request_is_not_a_tensor_step() -> None:
    data = (VECTORS / "request_step.binpb").read_bytes()  # a batched tuple action
    codec = StepCodec.for_spaces(spaces.Box(-1, 1, (2,)), spaces.Discrete(2), 4)
    assert codec is not None
    assert codec.decode_request(data) is None
