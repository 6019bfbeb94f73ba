"""rlay.tensors: dtype table, wire layout, round trips and every error path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import NUMERIC_DTYPES, assert_exact, small_shapes

from rlay.errors import InvalidValue
from rlay.tensors import (
    SUPPORTED_DTYPES,
    decode_tensor,
    dtype_from_proto,
    dtype_to_proto,
    encode_tensor,
    fill_tensor,
)
from rlay.v1 import tensor_pb2

EXPECTED = {
    "DTYPE_BOOL": "bool",
    "DTYPE_INT8": "int8",
    "DTYPE_INT16": "int16",
    "DTYPE_INT32": "int32",
    "DTYPE_INT64": "int64",
    "DTYPE_UINT8": "uint8",
    "DTYPE_UINT16": "uint16",
    "DTYPE_UINT32": "uint32",
    "DTYPE_UINT64": "uint64",
    "DTYPE_FLOAT16": "float16",
    "DTYPE_FLOAT32": "float32",
    "DTYPE_FLOAT64": "float64",
}


def test_every_proto_dtype_is_mapped_both_ways() -> None:
    names = [n for n, _ in tensor_pb2.Dtype.items() if n != "DTYPE_UNSPECIFIED"]
    assert sorted(names) == sorted(EXPECTED)
    for name in names:
        code = tensor_pb2.Dtype.Value(name)
        dtype = dtype_from_proto(code)
        assert dtype == np.dtype(EXPECTED[name])
        assert dtype_to_proto(dtype) == code
        assert dtype_to_proto(dtype.newbyteorder(">")) == code
    assert len(SUPPORTED_DTYPES) == len(names)


@pytest.mark.parametrize("code", [tensor_pb2.DTYPE_UNSPECIFIED, 13, 99, -1])
def test_dtype_from_proto_rejects_unknown(code: int) -> None:
    with pytest.raises(InvalidValue, match="dtype"):
        dtype_from_proto(code)


@pytest.mark.parametrize("dtype", [np.complex64, np.object_, np.str_, np.bytes_, "datetime64[s]"])
def test_unsupported_dtypes_are_rejected(dtype: Any) -> None:
    with pytest.raises(InvalidValue):
        dtype_to_proto(dtype)
    with pytest.raises(InvalidValue):
        encode_tensor(np.zeros(2, dtype=dtype))


def test_ragged_input_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="not an array"):
        encode_tensor([[1, 2], [3]])


def test_dtype_to_proto_rejects_non_dtypes() -> None:
    with pytest.raises(InvalidValue):
        dtype_to_proto("not a dtype")


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(st.sampled_from(NUMERIC_DTYPES), small_shapes))
def test_round_trip_is_exact_and_writable(array: np.ndarray[Any, Any]) -> None:
    msg = encode_tensor(array)
    assert list(msg.shape) == list(array.shape)
    wire = tensor_pb2.Tensor.FromString(msg.SerializeToString())
    decoded = decode_tensor(wire)
    assert_exact(decoded, array)
    assert decoded.flags.writeable
    assert decoded.flags.c_contiguous
    decoded[...] = array  # writable for real, not only flagged


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        st.sampled_from([d for d in NUMERIC_DTYPES if d.itemsize > 1]),
        hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4),
    )
)
def test_big_endian_and_strided_inputs_go_out_little_endian_c_order(
    array: np.ndarray[Any, Any],
) -> None:
    little = array.astype(array.dtype.newbyteorder("<"))
    big = array.astype(array.dtype.newbyteorder(">"))[::-1, ::2].T
    msg = encode_tensor(big)
    expected = np.ascontiguousarray(little[::-1, ::2].T)
    assert msg.data == expected.tobytes()
    assert list(msg.shape) == list(expected.shape)
    assert_exact(decode_tensor(msg), expected.astype(array.dtype.newbyteorder("=")))


def test_wire_layout_is_little_endian_row_major() -> None:
    msg = encode_tensor(np.array([[1, 2], [3, 256]], dtype=np.uint16))
    assert msg.dtype == tensor_pb2.DTYPE_UINT16
    assert msg.data == bytes([1, 0, 2, 0, 3, 0, 0, 1])
    assert encode_tensor(np.array([True, False])).data == b"\x01\x00"


@pytest.mark.parametrize(
    ("value", "dtype", "shape"),
    [
        (np.float32(2.5), np.float32, ()),
        (np.array(7, dtype=np.int8), np.int8, ()),
        (np.zeros((0, 3), dtype=np.float16), np.float16, (0, 3)),
        (np.zeros((2, 0)), np.float64, (2, 0)),
        (True, np.bool_, ()),
        ([[1, 2, 3]], np.int64, (1, 3)),
        (1.5, np.float64, ()),
    ],
)
def test_scalars_empty_and_python_inputs(value: Any, dtype: Any, shape: tuple[int, ...]) -> None:
    decoded = decode_tensor(encode_tensor(value))
    assert decoded.dtype == np.dtype(dtype)
    assert decoded.shape == shape
    assert isinstance(decoded, np.ndarray)
    assert np.array_equal(decoded, np.asarray(value, dtype=dtype))


def test_fill_tensor_overwrites_an_existing_message() -> None:
    msg = encode_tensor(np.zeros((2, 3, 4), dtype=np.float64))
    fill_tensor(msg, np.arange(3, dtype=np.int32))
    assert_exact(decode_tensor(msg), np.arange(3, dtype=np.int32))


def test_decoded_array_does_not_alias_another_decode() -> None:
    msg = encode_tensor(np.arange(4.0))
    first, second = decode_tensor(msg), decode_tensor(msg)
    first[0] = 42.0
    assert second[0] == 0.0


@pytest.mark.parametrize(
    ("dtype", "shape", "data", "match"),
    [
        (tensor_pb2.DTYPE_FLOAT32, [2], b"\x00" * 7, "needs 8 bytes, got 7"),
        (tensor_pb2.DTYPE_FLOAT32, [2], b"\x00" * 9, "needs 8 bytes, got 9"),
        (tensor_pb2.DTYPE_INT64, [], b"", "needs 8 bytes, got 0"),
        (tensor_pb2.DTYPE_UINT8, [0], b"\x00", "needs 0 bytes"),
        (tensor_pb2.DTYPE_INT16, [-1, -2], b"\x00" * 4, "negative"),
        (tensor_pb2.DTYPE_UINT8, [-1], b"", "negative"),
        (tensor_pb2.DTYPE_UNSPECIFIED, [1], b"\x00", "unspecified"),
        (77, [1], b"\x00", "unknown"),
        (tensor_pb2.DTYPE_BOOL, [2], b"\x01\x02", "0 and 1"),
        (tensor_pb2.DTYPE_UINT8, [1] * 70, b"\x00", "dimension"),
        (tensor_pb2.DTYPE_UINT8, [2**62, 2**62], b"", "needs"),
    ],
)
def test_malformed_tensors_raise_invalid_value(
    dtype: int, shape: list[int], data: bytes, match: str
) -> None:
    msg = tensor_pb2.Tensor(shape=shape, data=data)
    msg.dtype = dtype  # type: ignore[assignment]  # open enum: unknown values allowed
    with pytest.raises(InvalidValue, match=match):
        decode_tensor(msg)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_decode_or_raise_typed_errors(data: bytes) -> None:
    try:
        msg = tensor_pb2.Tensor.FromString(data)
    except DecodeError:
        return  # the protobuf runtime refused it before the codec saw it
    try:
        array = decode_tensor(msg)
    except InvalidValue:
        return
    assert array.dtype == dtype_from_proto(msg.dtype)
    assert list(array.shape) == list(msg.shape)
