"""numpy arrays to and from ``rlay.v1.Tensor``: dtype, shape, little-endian C-order bytes.

This is the hot path of every step, so the functions here do no per-element
work: encoding is one ``tobytes``, decoding wraps the bytes in an array
without converting them (as ``np.frombuffer`` does), after the one copy that
makes the result writable::

    >>> import numpy as np
    >>> msg = encode_tensor(np.arange(6, dtype=np.int16).reshape(2, 3))
    >>> list(msg.shape), len(msg.data)
    ([2, 3], 12)
    >>> decode_tensor(msg)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=int16)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from rlay.errors import InvalidValue
from rlay.v1 import tensor_pb2

__all__ = [
    "SUPPORTED_DTYPES",
    "decode_tensor",
    "dtype_from_proto",
    "dtype_to_proto",
    "encode_tensor",
    "fill_tensor",
]

# Explicit little-endian dtypes: on a little-endian host they equal the native
# ones (so dict lookups with a native dtype hit), and on a big-endian host
# np.frombuffer still reads the wire order correctly.
_PAIRS: tuple[tuple[tensor_pb2.Dtype, np.dtype[Any]], ...] = (
    (tensor_pb2.DTYPE_BOOL, np.dtype(np.bool_)),
    (tensor_pb2.DTYPE_INT8, np.dtype("i1")),
    (tensor_pb2.DTYPE_INT16, np.dtype("<i2")),
    (tensor_pb2.DTYPE_INT32, np.dtype("<i4")),
    (tensor_pb2.DTYPE_INT64, np.dtype("<i8")),
    (tensor_pb2.DTYPE_UINT8, np.dtype("u1")),
    (tensor_pb2.DTYPE_UINT16, np.dtype("<u2")),
    (tensor_pb2.DTYPE_UINT32, np.dtype("<u4")),
    (tensor_pb2.DTYPE_UINT64, np.dtype("<u8")),
    (tensor_pb2.DTYPE_FLOAT16, np.dtype("<f2")),
    (tensor_pb2.DTYPE_FLOAT32, np.dtype("<f4")),
    (tensor_pb2.DTYPE_FLOAT64, np.dtype("<f8")),
)

_FROM_PROTO: dict[int, np.dtype[Any]] = dict(_PAIRS)
_TO_PROTO: dict[np.dtype[Any], tensor_pb2.Dtype] = {dtype: code for code, dtype in _PAIRS}

#: The numpy dtypes a Tensor can carry, in the order of the ``Dtype`` enum.
SUPPORTED_DTYPES: tuple[np.dtype[Any], ...] = tuple(dtype for _, dtype in _PAIRS)

_BOOL = tensor_pb2.DTYPE_BOOL
_Tensor = tensor_pb2.Tensor


def dtype_to_proto(dtype: npt.DTypeLike) -> tensor_pb2.Dtype:
    """The ``Dtype`` enum value of a numpy dtype, in either byte order.

    >>> dtype_to_proto(np.float32) == tensor_pb2.DTYPE_FLOAT32
    True

    Raises InvalidValue for dtypes a Tensor cannot carry (strings, objects,
    complex numbers, ...).
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as error:
        raise InvalidValue(f"not a numpy dtype: {dtype!r}") from error
    code = _TO_PROTO.get(dt)
    if code is None:
        code = _TO_PROTO.get(dt.newbyteorder("<"))
        if code is None:
            raise InvalidValue(f"dtype {dt} cannot travel in a Tensor")
    return code


def dtype_from_proto(code: int) -> np.dtype[Any]:
    """The numpy dtype of a ``Dtype`` enum value.

    >>> dtype_from_proto(tensor_pb2.DTYPE_UINT8)
    dtype('uint8')

    Raises InvalidValue for DTYPE_UNSPECIFIED and for values this version
    does not know.
    """
    dtype = _FROM_PROTO.get(code)
    if dtype is None:
        raise InvalidValue(f"unknown or unspecified tensor dtype {code}")
    return dtype


def _wire_array(array: Any) -> tuple[np.ndarray[Any, Any], tensor_pb2.Dtype]:
    """The array and its dtype code, byte-swapped to little-endian when needed."""
    if type(array) is np.ndarray:
        arr = array
    else:
        try:
            arr = np.asarray(array)
        except (ValueError, TypeError, OverflowError) as error:  # ragged lists, ...
            raise InvalidValue(f"not an array: {error}") from error
    code = _TO_PROTO.get(arr.dtype)
    if code is None:
        # Rare path: a big-endian array (converted once here) or a dtype the
        # wire cannot carry (dtype_to_proto raises).
        little = arr.dtype.newbyteorder("<")
        code = _TO_PROTO.get(little)
        if code is None:
            code = dtype_to_proto(arr.dtype)  # raises: not a wire dtype
        arr = arr.astype(little)
    return arr, code


def encode_tensor(array: Any) -> tensor_pb2.Tensor:
    """A Tensor holding ``array`` (anything ``np.asarray`` accepts).

    Non-contiguous arrays are written in C order and big-endian ones are
    byte-swapped; 0-d, empty and bool arrays are fine.

    >>> encode_tensor(np.float64(1.5)).shape
    []
    """
    msg = _Tensor()
    fill_tensor(msg, array)
    return msg


def fill_tensor(msg: tensor_pb2.Tensor, array: Any) -> None:
    """Write ``array`` into an existing Tensor (e.g. a field of a larger message).

    Filling the sub-message in place avoids building a Tensor and copying it
    into its parent:

    >>> from rlay.v1 import session_pb2
    >>> response = session_pb2.StepResponse()
    >>> fill_tensor(response.rewards, np.zeros(4))
    >>> list(response.rewards.shape)
    [4]
    """
    arr, code = _wire_array(array)
    msg.dtype = code
    msg.shape[:] = arr.shape
    # tobytes() writes C order whatever the strides: one copy, and no
    # separate ascontiguousarray pass for views.
    msg.data = arr.tobytes()


def decode_tensor(msg: tensor_pb2.Tensor) -> np.ndarray[Any, Any]:
    """The writable numpy array a Tensor holds, with exactly its dtype and shape.

    >>> decode_tensor(encode_tensor([[1, 2]])).dtype
    dtype('int64')

    Raises InvalidValue on an unknown dtype, a negative dimension or a data
    length that is not product(shape) * itemsize.
    """
    code = msg.dtype
    dtype = _FROM_PROTO.get(code)
    if dtype is None:
        raise InvalidValue(f"unknown or unspecified tensor dtype {code}")
    shape = msg.shape[:]  # a list: the cheapest copy out of the repeated field
    data = msg.data
    if len(data) != math.prod(shape) * dtype.itemsize:
        _raise_bad_layout(shape, dtype.itemsize, len(data))
    if code == _BOOL and data.translate(None, b"\x00\x01"):
        # Any byte other than 0 and 1 would give numpy bools that are neither
        # True nor False (they compare unequal to both).
        raise InvalidValue("bool tensor holds bytes other than 0 and 1")
    # `data` is a fresh immutable bytes object (the protobuf runtime copies it
    # out of the message), so np.frombuffer(data) would be a read-only view.
    # Callers write into observations (wrappers normalise in place, torch
    # warns on read-only arrays), so we pay exactly one more copy: into a
    # bytearray that np.ndarray wraps in place, exactly as np.frombuffer
    # would, but taking the shape in the same call: about half the cost of
    # np.frombuffer(data).copy().reshape(shape) for small tensors.
    try:
        array: np.ndarray[Any, Any] = np.ndarray(shape, dtype, bytearray(data))
    except ValueError as error:  # negative dims whose product matched, or > 64 dims
        raise InvalidValue(f"tensor of shape {shape}: {error}") from error
    return array


def _raise_bad_layout(shape: list[int], itemsize: int, length: int) -> None:
    if any(dim < 0 for dim in shape):
        raise InvalidValue(f"tensor shape {shape} has a negative dimension")
    expected = math.prod(shape) * itemsize
    raise InvalidValue(
        f"tensor of shape {shape} and itemsize {itemsize} needs {expected} bytes, got {length}"
    )
