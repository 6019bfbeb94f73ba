"""rlay.values: generic values, element and batch forms, and every error path."""

from __future__ import annotations

import doctest
import enum
from typing import Any

import numpy as np
import pytest
from google.protobuf.message import DecodeError
from gymnasium import spaces
from gymnasium.spaces.graph import GraphInstance
from gymnasium.vector.utils import concatenate, create_empty_array
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import (
    assert_exact,
    generic_values,
    space_and_batch,
    space_and_sample,
    spaces_st,
)

import rlay.spaces
import rlay.tensors
import rlay.values
from rlay.errors import InvalidValue, UnsupportedSpace
from rlay.tensors import encode_tensor
from rlay.v1 import tensor_pb2, value_pb2
from rlay.values import (
    decode_batch,
    decode_batch_to_elements,
    decode_element,
    decode_value,
    encode_batch,
    encode_batch_from_elements,
    encode_element,
    encode_value,
    fill_batch,
    fill_batch_from_elements,
    fill_element,
    fill_value,
)

Value = value_pb2.Value


def wire(msg: value_pb2.Value) -> value_pb2.Value:
    """The message after a trip through its serialized bytes."""
    return Value.FromString(msg.SerializeToString())


def gym_batch(space: spaces.Space[Any], elements: list[Any]) -> Any:
    """What gymnasium's vector envs hold for these elements."""
    return concatenate(space, elements, create_empty_array(space, len(elements)))


# ---------------------------------------------------------------------------
# generic values


@settings(max_examples=120, deadline=None)
@given(generic_values())
def test_generic_values_round_trip_exactly(obj: Any) -> None:
    assert_exact(decode_value(wire(encode_value(obj))), obj)


@pytest.mark.parametrize(
    ("obj", "kind"),
    [
        (None, None),
        (False, "bool_value"),
        (0, "int_value"),
        (-(2**63), "int_value"),
        (2**63 - 1, "int_value"),
        (0.0, "float_value"),
        (float("inf"), "float_value"),
        ("", "string_value"),
        (b"", "bytes_value"),
        (np.float32(1.5), "tensor"),
        (np.bool_(True), "tensor"),
        (np.uint64(2**64 - 1), "tensor"),
        (np.zeros((0, 2), dtype=np.int16), "tensor"),
        ([], "list_value"),
        ((), "tuple_value"),
        ({}, "map_value"),
        ([None], "list_value"),
        ((1, (2.0, "x")), "tuple_value"),
        ({"b": 1, "a": [b"\x00"]}, "map_value"),
    ],
    ids=repr,
)
def test_generic_kinds_and_exact_types(obj: Any, kind: str | None) -> None:
    msg = encode_value(obj)
    assert msg.WhichOneof("kind") == kind
    assert_exact(decode_value(wire(msg)), obj)


def test_map_keeps_insertion_order() -> None:
    obj = {"z": 1, "a": 2, "m": 3}
    assert list(decode_value(wire(encode_value(obj)))) == ["z", "a", "m"]


def test_zero_dim_array_comes_back_as_numpy_scalar() -> None:
    decoded = decode_value(encode_value(np.array(7, dtype=np.int16)))
    assert_exact(decoded, np.int16(7))


def test_graph_instance_round_trips_as_a_generic_value() -> None:
    graph = GraphInstance(np.ones((2, 3)), np.zeros((1,), np.int64), np.array([[0, 1]], np.int32))
    assert_exact(decode_value(wire(encode_value(graph))), graph)
    bare = GraphInstance(np.ones((2, 3)), None, None)
    assert_exact(decode_value(wire(encode_value(bare))), bare)


class Color(enum.IntEnum):
    RED = 1


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (Color.RED, 1),
        (bytearray(b"ab"), b"ab"),
        (np.str_("hi"), "hi"),
        ([np.int32(3)], [np.int32(3)]),
    ],
    ids=repr,
)
def test_subclasses_travel_as_their_base_type(obj: Any, expected: Any) -> None:
    assert_exact(decode_value(encode_value(obj)), expected)


def test_one_of_value_decodes_generically_as_a_pair() -> None:
    msg = Value(one_of_value=value_pb2.OneOfValue(index=1, value=Value(string_value="x")))
    assert decode_value(msg) == (1, "x")


def _self_referencing() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        (2**63, "does not fit in int64"),
        (-(2**63) - 1, "does not fit in int64"),
        ({1: "a"}, "not a str"),
        ({"ok": {(1, 2): 3}}, r"value\['ok'\]: map key"),
        ([1, {2, 3}], r"value\[1\]: values of type set"),
        (object(), "values of type object"),
        (1 + 2j, "complex"),
        (np.array(["a", "b"]), "cannot travel"),
        (np.array([None]), "cannot travel"),
        ("bad \ud800", "UTF-8"),
        ({"\ud800": 1}, "UTF-8"),
        (_self_referencing(), "nested"),
    ],
    ids=repr,
)
def test_generic_encode_errors(obj: Any, match: str) -> None:
    with pytest.raises(InvalidValue, match=match):
        encode_value(obj)


def test_generic_decode_errors() -> None:
    repeated = Value(
        map_value=value_pb2.ValueMap(
            entries=[value_pb2.ValueMapEntry(key="a"), value_pb2.ValueMapEntry(key="a")]
        )
    )
    with pytest.raises(InvalidValue, match="repeats the key 'a'"):
        decode_value(repeated)
    truncated = Value(
        list_value=value_pb2.ValueList(
            items=[Value(tensor=tensor_pb2.Tensor(dtype=11, shape=[3], data=b"\x00" * 5))]
        )
    )
    with pytest.raises(InvalidValue, match=r"value\[0\]: .*needs 12 bytes, got 5"):
        decode_value(truncated)
    with pytest.raises(InvalidValue, match="without nodes"):
        decode_value(Value(graph_value=value_pb2.GraphValue()))


def test_fill_value_replaces_previous_content() -> None:
    msg = encode_value([1, 2, 3])
    fill_value(msg, None)
    assert msg.WhichOneof("kind") is None
    fill_value(msg, {"a": 1})
    fill_value(msg, {"b": 2})
    assert decode_value(msg) == {"b": 2}


# ---------------------------------------------------------------------------
# element and batch forms of samples


# Graph.contains checks nodes one by one and Box.contains warns for each numpy scalar.
@pytest.mark.filterwarnings("ignore:.*Casting input x to numpy array")
@settings(max_examples=60, deadline=None)
@given(space_and_sample())
def test_element_round_trip_of_samples_is_exact(case: tuple[spaces.Space[Any], Any]) -> None:
    space, sample = case
    decoded = decode_element(space, wire(encode_element(space, sample)))
    assert_exact(decoded, sample)
    assert space.contains(decoded)


@settings(max_examples=60, deadline=None)
@given(space_and_batch())
def test_batch_round_trip_matches_gymnasium_vector_envs(
    case: tuple[spaces.Space[Any], list[Any]],
) -> None:
    space, elements = case
    n = len(elements)
    expected = gym_batch(space, elements)
    msg = encode_batch(space, expected, n)
    assert_exact(decode_batch(space, wire(msg), n), expected)
    from_elements = encode_batch_from_elements(space, elements)
    assert from_elements.SerializeToString() == msg.SerializeToString()
    assert_exact(decode_batch_to_elements(space, wire(msg), n), elements)


def test_box_batch_is_one_tensor_and_decodes_writable() -> None:
    space = spaces.Box(0, 255, (4, 4, 3), dtype=np.uint8)
    batch = np.arange(2 * 48, dtype=np.uint8).reshape(2, 4, 4, 3)
    msg = encode_batch(space, batch, 2)
    assert msg.WhichOneof("kind") == "tensor"
    assert msg.tensor.data == batch.tobytes()
    decoded = decode_batch(space, msg, 2)
    decoded += 1
    assert decoded[0, 0, 0, 0] == 1


def test_numpy_scalar_samples_of_zero_dim_boxes_come_back_as_zero_dim_arrays() -> None:
    space = spaces.Box(0, 5, (), dtype=np.int8)
    sample = space.sample()
    assert isinstance(sample, np.generic)  # gymnasium's own quirk for int dtypes
    decoded = decode_element(space, encode_element(space, sample))
    assert_exact(decoded, np.asarray(sample))
    assert space.contains(decoded)


def test_dict_batch_keeps_the_spaces_key_order() -> None:
    space = spaces.Dict([("z", spaces.Discrete(2)), ("a", spaces.Text(2))])
    msg = encode_batch(space, {"a": ("x", "y"), "z": np.array([0, 1])}, 2)
    assert [e.key for e in msg.map_value.entries] == ["z", "a"]
    assert list(decode_batch(space, msg, 2)) == ["z", "a"]


def test_batch_to_elements_types() -> None:
    space = spaces.Tuple((spaces.Discrete(3, dtype=np.int32), spaces.Box(0.0, 1.0, shape=())))
    msg = encode_batch(space, (np.array([1, 2], np.int32), np.zeros(2, np.float32)), 2)
    first, second = decode_batch_to_elements(space, msg, 2)
    assert_exact(first, (np.int32(1), np.array(0.0, dtype=np.float32)))
    assert_exact(second, (np.int32(2), np.array(0.0, dtype=np.float32)))


def test_stacked_sequence_elements() -> None:
    space = spaces.Sequence(spaces.Tuple((spaces.Box(0, 1, (2,)), spaces.Text(3))), stack=True)
    element = (np.zeros((3, 2), np.float32), ("a", "b", "c"))
    assert_exact(decode_element(space, wire(encode_element(space, element))), element)
    empty = spaces.Sequence(spaces.Tuple(()), stack=True)
    assert_exact(decode_element(empty, encode_element(empty, ())), ())


def test_fill_variants_clear_their_target() -> None:
    space = spaces.Discrete(5)
    msg = encode_value({"stale": 1})
    fill_element(msg, space, 3)
    assert decode_element(space, msg) == 3
    fill_batch(msg, space, [1, 2], 2)
    assert_exact(decode_batch(space, msg, 2), np.array([1, 2]))
    fill_batch_from_elements(msg, space, [4])
    assert_exact(decode_batch(space, msg, 1), np.array([4]))


# ---------------------------------------------------------------------------
# casting on encode


@pytest.mark.parametrize(
    ("space", "given", "expected"),
    [
        (spaces.Box(-1, 1, (2,)), [0.5, -0.5], np.array([0.5, -0.5], np.float32)),
        (spaces.Box(-1, 1, (2,)), np.array([0.5, 1.0]), np.array([0.5, 1.0], np.float32)),
        (spaces.Box(-1, 1, (2,)), [1, 0], np.array([1.0, 0.0], np.float32)),
        (spaces.Box(0, 9, (2,), np.uint8), [3, 4], np.array([3, 4], np.uint8)),
        (spaces.Box(0, 9, (2,), np.int8), np.array([3, 4]), np.array([3, 4], np.int8)),
        (spaces.Box(0, 1, (), np.float64), 0.25, np.array(0.25)),
        (spaces.Box(0, 1, (2,), bool), [True, False], np.array([True, False])),
        (spaces.Box(0, 1, (2,), np.float32).low.astype(">f4"), None, None),
        (spaces.MultiBinary(3), [1, 0, 1], np.array([1, 0, 1], np.int8)),
        (spaces.MultiDiscrete([3, 3], dtype=np.uint16), (2, 1), np.array([2, 1], np.uint16)),
        (spaces.Discrete(3), np.int32(2), np.int64(2)),
        (spaces.Discrete(3), np.array(1, dtype=np.uint8), np.int64(1)),
        (spaces.Discrete(3, dtype=np.uint8), 2, np.uint8(2)),
        (spaces.Tuple((spaces.Discrete(2), spaces.Text(2))), [1, "a"], (np.int64(1), "a")),
        (spaces.OneOf((spaces.Discrete(2),)), (0, 1), (np.int64(0), np.int64(1))),
    ],
    ids=lambda v: type(v).__name__,
)
def test_encode_casts_what_gymnasium_accepts(space: Any, given: Any, expected: Any) -> None:
    if not isinstance(space, spaces.Space):  # big-endian input for a float32 Box
        space, given = spaces.Box(0, 1, (2,), np.float32), np.array([0.5, 1.0], ">f4")
        expected = np.array([0.5, 1.0], np.float32)
    assert_exact(decode_element(space, wire(encode_element(space, given))), expected)


GRAPH = spaces.Graph(spaces.Box(0, 1, (2,)), spaces.Discrete(3))
NO_EDGES = spaces.Graph(spaces.Discrete(4), None)

ENCODE_ERRORS = [
    (spaces.Box(0, 1, (3,)), np.zeros(2), r"actions: expected shape \(3,\), got \(2,\)"),
    (spaces.Box(0, 1, (3,)), [[0.0, 0.0, 0.0]], "expected shape"),
    (spaces.Box(0, 9, (2,), np.int32), [0.5, 1.0], "expected dtype int32, got float64"),
    (spaces.Box(0, 9, (1,), np.uint8), [300], "do not fit in uint8"),
    (spaces.Box(0, 9, (1,), np.uint8), np.array([-1]), "do not fit in uint8"),
    (spaces.Box(0, 1, (2,), bool), [1, 0], "expected dtype bool"),
    (spaces.Box(0, 1, (2,)), ["a", "b"], "expected dtype float32"),
    (spaces.Box(0, 1, (2,)), [[1.0], [1.0, 2.0]], "not an array"),
    (spaces.Box(0, 1, (1,)), [2**70], "expected dtype"),
    (spaces.Discrete(3), 1.0, "expected an integer, got float"),
    (spaces.Discrete(3), "1", "expected an integer"),
    (spaces.Discrete(3), np.array([1]), "expected an integer"),
    (spaces.Discrete(3, dtype=np.uint8), 256, "does not fit in uint8"),
    (spaces.Discrete(3), 2**64, "does not fit in int64"),
    (spaces.Text(3), b"ab", "expected a str"),
    (spaces.Text(3), "\ud800", "UTF-8"),
    (spaces.Tuple((spaces.Discrete(2),)), (1, 1), "expected 1 entries, got 2"),
    (spaces.Tuple((spaces.Discrete(2),)), 1, "expected a list or tuple"),
    (spaces.Dict({"a": spaces.Discrete(2)}), {"b": 1}, r"expected keys \['a'\]"),
    (spaces.Dict({"a": spaces.Discrete(2)}), {"a": 1, "b": 1}, "expected keys"),
    (spaces.Dict({"a": spaces.Discrete(2)}), [1], "expected a dict"),
    (spaces.Dict({"a": spaces.Box(0, 1, (2,))}), {"a": [1.0]}, r"actions\['a'\]: expected shape"),
    (spaces.Sequence(spaces.Discrete(2)), 3, "expected a list or tuple"),
    (spaces.Sequence(spaces.Discrete(2)), (0, 1.5), r"actions\[1\]: expected an integer"),
    (spaces.Sequence(spaces.Discrete(2), stack=True), 3, "expected a batch"),
    (spaces.Sequence(spaces.Box(0, 1, (2,)), stack=True), np.zeros((2, 3)), "expected shape"),
    (GRAPH, (np.zeros((2, 2)), None, None, None), "expected a GraphInstance"),
    (GRAPH, GraphInstance(np.zeros((2, 3)), None, None), r"actions.nodes: expected shape"),
    (GRAPH, GraphInstance(np.zeros((2, 2)), np.zeros(1, np.int64), None), "both"),
    (
        GRAPH,
        GraphInstance(np.zeros((2, 2)), np.zeros(1, np.int64), np.zeros((1, 2))),
        "edge_links: expected integers",
    ),
    (
        GRAPH,
        GraphInstance(np.zeros((2, 2)), np.zeros(2, np.int64), np.zeros((1, 2), np.int64)),
        r"edge_links: expected shape \(2, 2\)",
    ),
    (
        NO_EDGES,
        GraphInstance(np.zeros(2, np.int64), np.zeros(1, np.int64), np.zeros((1, 2), np.int64)),
        "no edge_space",
    ),
    (spaces.OneOf((spaces.Discrete(2),)), (1, 0), "index 1 out of range"),
    (spaces.OneOf((spaces.Discrete(2),)), 0, "expected an"),
    (spaces.OneOf((spaces.Discrete(2),)), (0.0, 0), "expected an integer"),
]


@pytest.mark.parametrize(("space", "x", "match"), ENCODE_ERRORS)
def test_encode_element_errors(space: spaces.Space[Any], x: Any, match: str) -> None:
    with pytest.raises(InvalidValue, match=match):
        encode_element(space, x, path="actions")


def test_encode_batch_errors_name_the_path() -> None:
    space = spaces.Dict({"arm": spaces.Tuple((spaces.Box(0, 1, (3,)), spaces.Box(0, 1, (3,))))})
    batch = {"arm": (np.zeros((2, 3)), np.zeros((2, 2)))}
    with pytest.raises(
        InvalidValue, match=r"^actions\['arm'\]\[1\]: expected shape \(2, 3\), got \(2, 2\)$"
    ):
        encode_batch(space, batch, 2, path="actions")
    with pytest.raises(InvalidValue, match=r"expected shape \(3, 3\), got \(2, 3\)"):
        encode_batch(spaces.Box(0, 1, (3,)), np.zeros((2, 3)), 3)
    with pytest.raises(InvalidValue, match="expected 3 entries, got 2"):
        encode_batch(spaces.Text(2), ("a", "b"), 3)


def test_encode_from_elements_errors_name_the_sub_environment() -> None:
    space = spaces.Dict({"arm": spaces.Tuple((spaces.Discrete(2), spaces.Box(0, 1, (3,))))})
    good = {"arm": (1, np.zeros(3))}
    bad = {"arm": (1, np.zeros(2))}
    with pytest.raises(
        InvalidValue, match=r"^actions\[1\]\['arm'\]\[1\]: expected shape \(3,\), got \(2,\)$"
    ):
        encode_batch_from_elements(space, [good, bad], path="actions")
    with pytest.raises(InvalidValue, match=r"actions\[0\]: expected keys"):
        encode_batch_from_elements(space, [{}], path="actions")
    with pytest.raises(InvalidValue, match="expected a list or tuple"):
        encode_batch_from_elements(space, good, path="actions")


def test_elements_of_mixed_types_are_cast_one_by_one() -> None:
    space = spaces.Box(0, 2**63, (1,), dtype=np.uint64)
    # np.asarray of these two would promote to float64 and lose the value
    elements = [np.array([1]), np.array([2**63], dtype=np.uint64)]
    decoded = decode_batch(space, encode_batch_from_elements(space, elements), 2)
    assert_exact(decoded, np.array([[1], [2**63]], dtype=np.uint64))
    floats = spaces.Box(0, 1, (2,))
    decoded = decode_batch(floats, encode_batch_from_elements(floats, [[0.5, 1], (1, 0)]), 2)
    assert_exact(decoded, np.array([[0.5, 1], [1, 0]], dtype=np.float32))
    assert_exact(
        decode_batch(floats, encode_batch_from_elements(floats, []), 0),
        np.zeros((0, 2), np.float32),
    )


class CustomBox(spaces.Box):
    pass


def test_unsupported_spaces_in_value_codecs() -> None:
    space = spaces.Tuple((CustomBox(0, 1, (2,)),))
    for call in (
        lambda: encode_element(space, (np.zeros(2),)),
        lambda: encode_batch(space, (np.zeros((1, 2)),), 1),
        lambda: encode_batch_from_elements(space, [(np.zeros(2),)]),
        lambda: decode_element(space, Value(tuple_value=value_pb2.ValueList(items=[Value()]))),
        lambda: decode_batch(space, Value(tuple_value=value_pb2.ValueList(items=[Value()])), 1),
    ):
        with pytest.raises(UnsupportedSpace, match="CustomBox"):
            call()


# ---------------------------------------------------------------------------
# strict decoding


def _tensor(array: Any) -> value_pb2.Value:
    return Value(tensor=encode_tensor(array))


def _items(*values: value_pb2.Value, kind: str = "list_value") -> value_pb2.Value:
    return Value(**{kind: value_pb2.ValueList(items=values)})


def _map(**values: value_pb2.Value) -> value_pb2.Value:
    entries = [value_pb2.ValueMapEntry(key=k, value=v) for k, v in values.items()]
    return Value(map_value=value_pb2.ValueMap(entries=entries))


def _graph(nodes: Any, edges: Any = None, links: Any = None) -> value_pb2.Value:
    graph = value_pb2.GraphValue()
    if nodes is not None:
        graph.nodes.CopyFrom(encode_tensor(nodes))
    if edges is not None:
        graph.edges.CopyFrom(encode_tensor(edges))
    if links is not None:
        graph.edge_links.CopyFrom(encode_tensor(links))
    return Value(graph_value=graph)


BOX3 = spaces.Box(0, 1, (3,))
TRUNCATED = Value(tensor=tensor_pb2.Tensor(dtype=11, shape=[2, 3], data=b"\x00" * 23))
UNKNOWN_DTYPE = Value(tensor=tensor_pb2.Tensor(dtype=42, shape=[2, 3], data=b"\x00" * 24))

ELEMENT_DECODE_ERRORS = [
    (BOX3, Value(), "expected tensor, got an empty Value"),
    (BOX3, Value(int_value=1), "expected tensor, got int_value"),
    (BOX3, _tensor(np.zeros(3)), "expected dtype float32, got float64"),
    (BOX3, _tensor(np.zeros(2, np.float32)), r"expected shape \(3,\), got \(2,\)"),
    (BOX3, Value(tensor=tensor_pb2.Tensor(dtype=11, shape=[3], data=b"1")), "bytes"),
    (spaces.MultiBinary(2), _tensor(np.zeros(2, np.uint8)), "expected dtype int8"),
    (spaces.Discrete(3), _tensor(np.int64(1)), "expected int_value, got tensor"),
    (spaces.Discrete(3, dtype=np.uint8), Value(int_value=-1), "does not fit in uint8"),
    (spaces.Text(3), Value(bytes_value=b"a"), "expected string_value"),
    (spaces.Tuple((spaces.Discrete(2),)), _items(Value(int_value=0)), "expected tuple_value"),
    (
        spaces.Tuple((spaces.Discrete(2),)),
        _items(kind="tuple_value"),
        "expected 1 entries, got 0",
    ),
    (
        spaces.Tuple((spaces.Discrete(2), BOX3)),
        _items(Value(int_value=0), _tensor(np.zeros(2, np.float32)), kind="tuple_value"),
        r"^obs\[1\]: expected shape \(3,\)",
    ),
    (
        spaces.Dict([("a", spaces.Discrete(2)), ("b", spaces.Discrete(2))]),
        _map(b=Value(int_value=0), a=Value(int_value=0)),
        r"expected keys \['a', 'b'\], got \['b', 'a'\]",
    ),
    (spaces.Dict({"a": spaces.Discrete(2)}), _map(), r"expected keys \['a'\], got \[\]"),
    (
        spaces.Dict({"a": spaces.Discrete(2)}),
        _map(a=Value(string_value="x")),
        r"obs\['a'\]: expected int_value",
    ),
    (spaces.Sequence(spaces.Discrete(2)), _tensor(np.zeros(2, np.int64)), "expected list_value"),
    (
        spaces.Sequence(spaces.Discrete(2)),
        _items(Value(int_value=0), Value()),
        r"obs\[1\]: expected int_value, got an empty Value",
    ),
    (spaces.Sequence(spaces.Discrete(2), stack=True), _tensor(np.int64(0)), "leading dimension"),
    (
        spaces.Sequence(spaces.Discrete(2), stack=True),
        _tensor(np.zeros(2, np.int32)),
        "expected dtype int64",
    ),
    (GRAPH, Value(int_value=1), "expected graph_value"),
    (GRAPH, _graph(None), "nodes: missing"),
    (GRAPH, _graph(np.zeros((2, 3), np.float32)), r"nodes: expected shape \(k, \*\(2,\)\)"),
    (GRAPH, _graph(np.zeros((2, 2))), "nodes: expected dtype float32"),
    (GRAPH, _graph(np.zeros((2, 2), np.float32), np.zeros(1, np.int64)), "both"),
    (
        GRAPH,
        _graph(np.zeros((2, 2), np.float32), np.zeros(1, np.int64), np.zeros((1, 2))),
        "edge_links: expected integers",
    ),
    (
        GRAPH,
        _graph(np.zeros((2, 2), np.float32), np.zeros(1, np.int64), np.zeros((2, 2), np.int64)),
        r"edge_links: expected integers of shape \(1, 2\)",
    ),
    (
        NO_EDGES,
        _graph(np.zeros(2, np.int64), np.zeros(1, np.int64), np.zeros((1, 2), np.int64)),
        "no edge_space",
    ),
    (
        spaces.OneOf((spaces.Discrete(2),)),
        Value(one_of_value=value_pb2.OneOfValue(index=1, value=Value(int_value=0))),
        "index 1 out of range",
    ),
    (
        spaces.OneOf((spaces.Discrete(2),)),
        Value(one_of_value=value_pb2.OneOfValue(index=-1)),
        "index -1 out of range",
    ),
    (spaces.OneOf((spaces.Discrete(2),)), Value(int_value=0), "expected one_of_value"),
]


@pytest.mark.parametrize(("space", "msg", "match"), ELEMENT_DECODE_ERRORS)
def test_decode_element_errors(space: spaces.Space[Any], msg: value_pb2.Value, match: str) -> None:
    with pytest.raises(InvalidValue, match=match):
        decode_element(space, msg, path="obs")


BATCH_DECODE_ERRORS = [
    (BOX3, 2, TRUNCATED, r"^obs: .*needs 24 bytes, got 23"),
    (BOX3, 2, UNKNOWN_DTYPE, "unknown or unspecified tensor dtype 42"),
    (BOX3, 3, _tensor(np.zeros((2, 3), np.float32)), r"expected shape \(3, 3\), got \(2, 3\)"),
    (BOX3, 2, _tensor(np.zeros(3, np.float32)), r"expected shape \(2, 3\), got \(3,\)"),
    (BOX3, 2, _tensor(np.zeros((2, 3), np.float16)), "expected dtype float32, got float16"),
    (spaces.Discrete(4), 2, _tensor(np.zeros(2, np.int32)), "expected dtype int64"),
    (spaces.Discrete(4), 2, _tensor(np.zeros(3, np.int64)), r"expected shape \(2,\)"),
    (spaces.Discrete(4), 2, _items(Value(int_value=0), Value(int_value=1)), "expected tensor"),
    (spaces.Text(3), 2, _items(Value(string_value="a")), "expected 2 entries, got 1"),
    (spaces.Text(3), 1, _items(Value(int_value=3)), r"obs\[0\]: expected string_value"),
    (spaces.Text(3), 1, Value(string_value="a"), "expected list_value"),
    (
        spaces.Tuple((spaces.Discrete(2), BOX3)),
        2,
        _items(
            _tensor(np.zeros(2, np.int64)),
            _tensor(np.zeros((3, 3), np.float32)),
            kind="tuple_value",
        ),
        r"^obs\[1\]: expected shape \(2, 3\), got \(3, 3\)$",
    ),
    (
        spaces.Dict({"arm": BOX3}),
        2,
        _map(arm=_tensor(np.zeros((2, 2), np.float32))),
        r"^obs\['arm'\]: expected shape \(2, 3\), got \(2, 2\)$",
    ),
    (
        spaces.OneOf((spaces.Discrete(2),)),
        1,
        _items(Value(one_of_value=value_pb2.OneOfValue(index=0, value=Value(string_value="a")))),
        r"^obs\[0\]\[1\]: expected int_value",
    ),
]


@pytest.mark.parametrize(("space", "n", "msg", "match"), BATCH_DECODE_ERRORS)
def test_decode_batch_errors(
    space: spaces.Space[Any], n: int, msg: value_pb2.Value, match: str
) -> None:
    with pytest.raises(InvalidValue, match=match):
        decode_batch(space, msg, n, path="obs")
    with pytest.raises(InvalidValue, match=match):
        decode_batch_to_elements(space, msg, n, path="obs")


# ---------------------------------------------------------------------------
# fuzzing: any bytes decode or raise a typed error


def decodes_or_rejects(decode: Any, encode: Any) -> None:
    """``decode()`` raises InvalidValue, or what it returns survives another trip."""
    try:
        decoded = decode()
    except InvalidValue:
        return
    assert_exact(decode(encode(decoded)), decoded)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_as_generic_values(data: bytes) -> None:
    try:
        msg = Value.FromString(data)
    except DecodeError:
        return
    decodes_or_rejects(lambda m=msg: decode_value(m), encode_value)


def check_all_decoders(space: spaces.Space[Any], msg: value_pb2.Value, n: int) -> None:
    decodes_or_rejects(lambda m=msg: decode_batch(space, m, n), lambda b: encode_batch(space, b, n))
    decodes_or_rejects(lambda m=msg: decode_element(space, m), lambda e: encode_element(space, e))
    decodes_or_rejects(
        lambda m=msg: decode_batch_to_elements(space, m, n),
        lambda es: encode_batch_from_elements(space, es),
    )


@settings(max_examples=40, deadline=None)
@given(space_and_batch(max_leaves=3), st.data())
def test_mutated_batches_decode_or_raise_typed_errors(
    case: tuple[spaces.Space[Any], list[Any]], data: st.DataObject
) -> None:
    space, elements = case
    wire_bytes = bytearray(encode_batch_from_elements(space, elements).SerializeToString())
    for _ in range(data.draw(st.integers(1, 3))):
        if wire_bytes:
            wire_bytes[data.draw(st.integers(0, len(wire_bytes) - 1))] = data.draw(
                st.integers(0, 255)
            )
    cut = data.draw(st.integers(0, len(wire_bytes)))
    try:
        msg = Value.FromString(bytes(wire_bytes[:cut]))
    except DecodeError:
        return
    check_all_decoders(space, msg, len(elements))


@settings(max_examples=60, deadline=None)
@given(spaces_st(max_leaves=3), st.binary(max_size=48), st.integers(1, 3))
def test_random_bytes_against_random_spaces(space: spaces.Space[Any], data: bytes, n: int) -> None:
    try:
        msg = Value.FromString(data)
    except DecodeError:
        return
    check_all_decoders(space, msg, n)


# ---------------------------------------------------------------------------
# the examples in the docstrings


@pytest.mark.parametrize(
    "module", [rlay.tensors, rlay.spaces, rlay.values], ids=lambda m: m.__name__
)
def test_docstring_examples(module: Any) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
