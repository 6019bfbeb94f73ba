"""rlay.spaces: exact round trips of every Gymnasium space, and malformed descriptions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from google.protobuf.message import DecodeError
from gymnasium import spaces
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import NUMERIC_DTYPES, assert_same_space, spaces_st

from rlay.errors import InvalidValue, UnsupportedSpace
from rlay.spaces import space_from_proto, space_to_proto
from rlay.tensors import encode_tensor
from rlay.v1 import space_pb2, tensor_pb2


def round_trip(space: spaces.Space[Any]) -> spaces.Space[Any]:
    wire = space_to_proto(space).SerializeToString()
    return space_from_proto(space_pb2.Space.FromString(wire))


@settings(max_examples=80, deadline=None)
@given(spaces_st(sampleable=False))
def test_random_nested_spaces_round_trip_exactly(space: spaces.Space[Any]) -> None:
    assert_same_space(round_trip(space), space)


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES, ids=str)
def test_box_of_every_dtype_with_per_element_bounds(dtype: np.dtype[Any]) -> None:
    if dtype.kind == "b":
        low, high = np.array([[False, True]]), np.array([[True, True]])
    elif dtype.kind == "f":
        low = np.array([[-np.inf, -1.5]], dtype=dtype)
        high = np.array([[0.25, np.inf]], dtype=dtype)
    else:
        info = np.iinfo(dtype)
        low = np.array([[info.min, 0]], dtype=dtype)
        high = np.array([[info.max, 1]], dtype=dtype)
    space = spaces.Box(low=low, high=high, dtype=dtype)
    decoded = round_trip(space)
    assert_same_space(decoded, space)
    assert isinstance(decoded, spaces.Box)
    assert decoded.low.dtype == dtype
    assert decoded.high.dtype == dtype


def test_float_box_keeps_boundedness_of_infinite_bounds() -> None:
    space = spaces.Box(low=np.array([-np.inf, 0.0]), high=np.array([1.0, np.inf]), dtype=np.float64)
    decoded = round_trip(space)
    assert isinstance(decoded, spaces.Box)
    assert decoded.bounded_below.tolist() == [False, True]
    assert decoded.bounded_above.tolist() == [True, False]


def test_box_scalar_shape_and_empty_shape() -> None:
    for space in (spaces.Box(0.0, 1.0, shape=()), spaces.Box(0, 1, shape=(0, 2), dtype=np.int8)):
        assert_same_space(round_trip(space), space)


@pytest.mark.parametrize(
    "space",
    [
        spaces.Discrete(3),
        spaces.Discrete(5, start=-2),
        spaces.Discrete(4, start=250, dtype=np.uint8),
        spaces.Discrete(2**40, start=-(2**62), dtype=np.int64),
        spaces.Discrete(7, start=3, dtype=np.uint64),
        spaces.MultiDiscrete([3, 4]),
        spaces.MultiDiscrete(np.array([[2, 3], [4, 5]]), dtype=np.int16, start=[[-1, 0], [1, 2]]),
        spaces.MultiDiscrete([2], dtype=np.uint32, start=[7]),
        spaces.MultiBinary(5),
        spaces.MultiBinary((2, 3)),
        spaces.Text(5),
        spaces.Text(8, min_length=0, charset="zyx"),
        spaces.Text(3, min_length=2, charset=frozenset("cab")),
        spaces.Text(4, charset="héllo wörld"),
        spaces.Tuple(()),
        spaces.Dict(),
        spaces.Dict([("b", spaces.Discrete(2)), ("a", spaces.Discrete(3))]),  # key order kept
        spaces.Sequence(spaces.Box(0, 1, (2,)), stack=True),
        spaces.Sequence(spaces.Text(3)),
        spaces.Graph(spaces.Box(0, 1, (2,)), None),
        spaces.Graph(spaces.Discrete(3), spaces.Box(-1, 1, (1,))),
        spaces.Graph(spaces.Box(0, 1, ()), spaces.Discrete(4, start=1)),
        spaces.OneOf([spaces.Discrete(2), spaces.Box(0, 1)]),
    ],
    ids=repr,
)
def test_examples_round_trip_exactly(space: spaces.Space[Any]) -> None:
    assert_same_space(round_trip(space), space)


def test_text_default_charset_is_exact() -> None:
    space = spaces.Text(6)
    decoded = round_trip(space)
    assert isinstance(decoded, spaces.Text)
    assert decoded.character_set == space.character_set
    assert decoded.character_list == space.character_list


def test_dict_key_order_is_the_spaces_order_not_sorted() -> None:
    space = spaces.Dict(
        [("z", spaces.Discrete(2)), ("a", spaces.Discrete(3)), ("m", spaces.Text(2))]
    )
    decoded = round_trip(space)
    assert isinstance(decoded, spaces.Dict)
    assert list(decoded.spaces) == ["z", "a", "m"]
    entries = space_to_proto(space).dict.entries
    assert [e.key for e in entries] == ["z", "a", "m"]


def test_one_dimensional_multi_binary_comes_back_from_an_int() -> None:
    # The wire carries a shape only, so MultiBinary((5,)) and MultiBinary(5)
    # look alike; the common int form is rebuilt.
    decoded = round_trip(spaces.MultiBinary((5,)))
    assert isinstance(decoded, spaces.MultiBinary)
    assert decoded.shape == (5,)
    assert decoded.n == 5


class CustomDiscrete(spaces.Discrete):
    pass


class CustomSpace(spaces.Space[int]):
    pass


@pytest.mark.parametrize(
    ("space", "name"),
    [
        (CustomDiscrete(3), "CustomDiscrete"),
        (CustomSpace(), "CustomSpace"),
        (spaces.Tuple((spaces.Discrete(2), CustomSpace())), "CustomSpace"),
        (spaces.Dict({"a": spaces.Sequence(CustomDiscrete(2))}), "CustomDiscrete"),
    ],
)
def test_unsupported_spaces_name_the_type(space: spaces.Space[Any], name: str) -> None:
    with pytest.raises(UnsupportedSpace, match=name):
        space_to_proto(space)


def test_unsupported_dict_keys_and_charsets() -> None:
    with pytest.raises(UnsupportedSpace, match="not a str"):
        space_to_proto(spaces.Dict({1: spaces.Discrete(2)}))  # type: ignore[dict-item]
    with pytest.raises(UnsupportedSpace, match="UTF-8"):
        space_to_proto(spaces.Text(2, charset="a\ud800"))
    with pytest.raises(UnsupportedSpace, match="UTF-8"):
        space_to_proto(spaces.Dict({"\ud800": spaces.Discrete(2)}))


def _box(**fields: Any) -> space_pb2.Space:
    box = {
        "shape": [2],
        "dtype": tensor_pb2.DTYPE_FLOAT32,
        "low": encode_tensor(np.zeros(2, np.float32)),
        "high": encode_tensor(np.ones(2, np.float32)),
    }
    box.update(fields)
    return space_pb2.Space(box=space_pb2.BoxSpace(**box))


def _nvec(nvec: Any, start: Any) -> space_pb2.Space:
    md = space_pb2.MultiDiscreteSpace(nvec=encode_tensor(nvec), start=encode_tensor(start))
    return space_pb2.Space(multi_discrete=md)


MALFORMED = {
    "kind unset": (space_pb2.Space(), "no kind"),
    "nested kind unset": (
        space_pb2.Space(tuple=space_pb2.TupleSpace(spaces=[space_pb2.Space()])),
        r"space\[0\]: Space has no kind",
    ),
    "box negative shape": (_box(shape=[-2]), "negative"),
    "box low shape": (_box(low=encode_tensor(np.zeros(3, np.float32))), "low"),
    "box high dtype": (_box(high=encode_tensor(np.ones(2))), "high: expected float32"),
    "box dtype unset": (_box(dtype=0), "dtype"),
    "box low above high": (_box(low=encode_tensor(np.full(2, 2, np.float32))), "invalid box"),
    "box nan bound": (_box(low=encode_tensor(np.full(2, np.nan, np.float32))), "invalid box"),
    "box truncated bound": (_box(low=tensor_pb2.Tensor(dtype=11, shape=[2], data=b"12")), "bytes"),
    "discrete n zero": (
        space_pb2.Space(discrete=space_pb2.DiscreteSpace(n=0, dtype=tensor_pb2.DTYPE_INT64)),
        "invalid discrete",
    ),
    "discrete float dtype": (
        space_pb2.Space(discrete=space_pb2.DiscreteSpace(n=2, dtype=tensor_pb2.DTYPE_FLOAT32)),
        "integer",
    ),
    "discrete dtype unset": (space_pb2.Space(discrete=space_pb2.DiscreteSpace(n=2)), "dtype"),
    "discrete start overflow": (
        space_pb2.Space(
            discrete=space_pb2.DiscreteSpace(n=2, start=300, dtype=tensor_pb2.DTYPE_UINT8)
        ),
        "does not fit",
    ),
    "multi discrete float": (_nvec(np.ones(2), np.zeros(2)), "integer"),
    "multi discrete start shape": (_nvec(np.ones(2, np.int64), np.zeros(3, np.int64)), "start"),
    "multi discrete start dtype": (_nvec(np.ones(2, np.int64), np.zeros(2, np.int32)), "start"),
    "multi discrete zero count": (
        _nvec(np.zeros(2, np.int64), np.zeros(2, np.int64)),
        "invalid multi_discrete",
    ),
    "multi binary negative": (
        space_pb2.Space(multi_binary=space_pb2.MultiBinarySpace(shape=[2, -1])),
        "negative",
    ),
    "text empty charset": (
        space_pb2.Space(text=space_pb2.TextSpace(max_length=2, charset="")),
        "charset",
    ),
    "text repeated char": (
        space_pb2.Space(text=space_pb2.TextSpace(max_length=2, charset="aba")),
        "repeats",
    ),
    "text min above max": (
        space_pb2.Space(text=space_pb2.TextSpace(min_length=3, max_length=2, charset="a")),
        "invalid text",
    ),
    "dict repeated key": (
        space_pb2.Space(
            dict=space_pb2.DictSpace(
                entries=[
                    space_pb2.DictSpaceEntry(key="a", space=_box()),
                    space_pb2.DictSpaceEntry(key="a", space=_box()),
                ]
            )
        ),
        "repeats a key",
    ),
    "sequence without feature": (
        space_pb2.Space(sequence=space_pb2.SequenceSpace(stack=True)),
        "feature_space: Space has no kind",
    ),
    "graph text nodes": (
        space_pb2.Space(
            graph=space_pb2.GraphSpace(
                node_space=space_pb2.Space(text=space_pb2.TextSpace(max_length=1, charset="a"))
            )
        ),
        "Box or Discrete",
    ),
    "graph without nodes": (space_pb2.Space(graph=space_pb2.GraphSpace()), "node_space"),
    "one_of empty": (space_pb2.Space(one_of=space_pb2.OneOfSpace()), "at least one"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_spaces_raise_invalid_value(case: str) -> None:
    msg, match = MALFORMED[case]
    with pytest.raises(InvalidValue, match=match):
        space_from_proto(msg)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_random_bytes_decode_or_raise_typed_errors(data: bytes) -> None:
    try:
        msg = space_pb2.Space.FromString(data)
    except DecodeError:
        return
    try:
        space = space_from_proto(msg)
    except InvalidValue:
        return
    assert_same_space(round_trip(space), space)


@settings(max_examples=30, deadline=None)
@given(spaces_st(sampleable=False), st.integers(0, 200), st.data())
def test_mutated_space_messages_decode_or_raise_typed_errors(
    space: spaces.Space[Any], cut: int, data: st.DataObject
) -> None:
    wire = bytearray(space_to_proto(space).SerializeToString())
    if wire:
        index = data.draw(st.integers(0, len(wire) - 1))
        wire[index] = data.draw(st.integers(0, 255))
    try:
        msg = space_pb2.Space.FromString(bytes(wire[: len(wire) - cut % (len(wire) + 1)]))
        decoded = space_from_proto(msg)
    except (DecodeError, InvalidValue):
        return
    assert_same_space(round_trip(decoded), decoded)


def test_integer_box_with_infinite_bounds_keeps_its_unbounded_flags() -> None:
    box = spaces.Box(low=-np.inf, high=5, shape=(2,), dtype=np.int32)
    msg = space_to_proto(box)
    assert msg.box.HasField("bounded_below")
    assert not msg.box.HasField("bounded_above")  # the default rule already gives it
    decoded = space_from_proto(msg)
    assert decoded == box
    np.testing.assert_array_equal(decoded.bounded_below, [False, False])
    np.testing.assert_array_equal(decoded.bounded_above, [True, True])
    assert not decoded.is_bounded()
