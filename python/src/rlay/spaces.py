"""Gymnasium spaces to and from ``rlay.v1.Space``.

The agent side rebuilds the env side's spaces from the handshake, so the
round trip must be exact: same type, dtype, shape, bounds, start, charset
order and key order::

    >>> import numpy as np
    >>> from gymnasium import spaces
    >>> space = spaces.Dict({"pos": spaces.Box(-1.0, 1.0, (3,)), "id": spaces.Discrete(4, start=1)})
    >>> space_from_proto(space_to_proto(space)) == space
    True

Only the built-in space classes are supported; a subclass (whose extra
meaning the wire could not carry) raises UnsupportedSpace.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from rlay.errors import InvalidValue, UnsupportedSpace
from rlay.tensors import decode_tensor, dtype_from_proto, dtype_to_proto, fill_tensor
from rlay.v1 import space_pb2, tensor_pb2

__all__ = ["space_from_proto", "space_to_proto"]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def space_to_proto(space: spaces.Space[Any]) -> space_pb2.Space:
    """The wire description of a Gymnasium space.

    >>> from gymnasium import spaces
    >>> space_to_proto(spaces.Discrete(3)).WhichOneof("kind")
    'discrete'

    Raises UnsupportedSpace for space types the protocol does not describe
    (including subclasses of the built-in ones).
    """
    msg = space_pb2.Space()
    _fill_space(msg, space, "space")
    return msg


def space_from_proto(msg: space_pb2.Space) -> spaces.Space[Any]:
    """The Gymnasium space a ``Space`` message describes.

    >>> from gymnasium import spaces
    >>> space_from_proto(space_to_proto(spaces.MultiBinary(4)))
    MultiBinary(4)

    Raises InvalidValue when the message is malformed (kind unset, bounds of
    the wrong shape or dtype, values gymnasium refuses).
    """
    return _read_space(msg, "space")


# ---------------------------------------------------------------------------
# encoding


def _fill_space(msg: space_pb2.Space, space: spaces.Space[Any], path: str) -> None:
    filler = _FILLERS.get(type(space))
    if filler is None:
        raise UnsupportedSpace(
            f"{path}: {type(space).__module__}.{type(space).__qualname__} cannot be described "
            "on the wire (supported: Box, Discrete, MultiDiscrete, MultiBinary, Text, Tuple, "
            "Dict, Sequence, Graph, OneOf)"
        )
    filler(msg, space, path)


def _fill_box(msg: space_pb2.Space, space: spaces.Box, path: str) -> None:
    box = msg.box
    box.shape[:] = space.shape
    box.dtype = _dtype_code(space.dtype, path)
    fill_tensor(box.low, space.low)
    fill_tensor(box.high, space.high)
    # Only an integer box declared with an infinite bound differs from the default.
    if not np.array_equal(space.bounded_below, np.isfinite(space.low)):
        fill_tensor(box.bounded_below, space.bounded_below)
    if not np.array_equal(space.bounded_above, np.isfinite(space.high)):
        fill_tensor(box.bounded_above, space.bounded_above)


def _fill_discrete(msg: space_pb2.Space, space: spaces.Discrete, path: str) -> None:
    discrete = msg.discrete
    discrete.n = _int64(space.n, f"{path}.n")
    discrete.start = _int64(space.start, f"{path}.start")
    discrete.dtype = _dtype_code(space.dtype, path)


def _fill_multi_discrete(msg: space_pb2.Space, space: spaces.MultiDiscrete, path: str) -> None:
    _dtype_code(space.dtype, path)
    fill_tensor(msg.multi_discrete.nvec, space.nvec)
    fill_tensor(msg.multi_discrete.start, space.start)


def _fill_multi_binary(msg: space_pb2.Space, space: spaces.MultiBinary, path: str) -> None:
    msg.multi_binary.SetInParent()  # an empty shape must still select the kind
    msg.multi_binary.shape[:] = space.shape


def _fill_text(msg: space_pb2.Space, space: spaces.Text, path: str) -> None:
    text = msg.text
    text.SetInParent()
    text.min_length = space.min_length
    text.max_length = space.max_length
    try:
        # character_list keeps gymnasium's own order (as given for a str
        # charset, sorted for a set), which Text(charset=str) reproduces. Gymnasium
        # before 1.3 keeps a str charset's repeated characters there; the contract
        # lists each character once.
        text.charset = "".join(dict.fromkeys(space.character_list))
    except UnicodeEncodeError as error:
        raise UnsupportedSpace(f"{path}: charset is not valid UTF-8 text ({error})") from error


def _fill_tuple(msg: space_pb2.Space, space: spaces.Tuple[Any], path: str) -> None:
    msg.tuple.SetInParent()
    items = msg.tuple.spaces
    for i, sub in enumerate(space.spaces):
        _fill_space(items.add(), sub, f"{path}[{i}]")


def _fill_dict(msg: space_pb2.Space, space: spaces.Dict, path: str) -> None:
    msg.dict.SetInParent()
    entries = msg.dict.entries
    for key, sub in space.spaces.items():
        if not isinstance(key, str):
            raise UnsupportedSpace(f"{path}: Dict key {key!r} is not a str")
        entry = entries.add()
        try:
            entry.key = key
        except UnicodeEncodeError as error:
            raise UnsupportedSpace(f"{path}: Dict key {key!r} is not valid UTF-8") from error
        _fill_space(entry.space, sub, f"{path}[{key!r}]")


def _fill_sequence(msg: space_pb2.Space, space: spaces.Sequence, path: str) -> None:
    _fill_space(msg.sequence.feature_space, space.feature_space, f"{path}.feature_space")
    msg.sequence.stack = space.stack


def _fill_graph(msg: space_pb2.Space, space: spaces.Graph, path: str) -> None:
    _fill_space(msg.graph.node_space, space.node_space, f"{path}.node_space")
    if space.edge_space is not None:
        _fill_space(msg.graph.edge_space, space.edge_space, f"{path}.edge_space")


def _fill_one_of(msg: space_pb2.Space, space: spaces.OneOf[Any], path: str) -> None:
    msg.one_of.SetInParent()
    items = msg.one_of.spaces
    for i, sub in enumerate(space.spaces):
        _fill_space(items.add(), sub, f"{path}[{i}]")


_FILLERS: dict[type, Any] = {
    spaces.Box: _fill_box,
    spaces.Discrete: _fill_discrete,
    spaces.MultiDiscrete: _fill_multi_discrete,
    spaces.MultiBinary: _fill_multi_binary,
    spaces.Text: _fill_text,
    spaces.Tuple: _fill_tuple,
    spaces.Dict: _fill_dict,
    spaces.Sequence: _fill_sequence,
    spaces.Graph: _fill_graph,
    spaces.OneOf: _fill_one_of,
}


def _dtype_code(dtype: np.dtype[Any], path: str) -> tensor_pb2.Dtype:
    try:
        return dtype_to_proto(dtype)
    except InvalidValue as error:
        raise UnsupportedSpace(f"{path}: {error}") from error


def _int64(value: Any, path: str) -> int:
    number = int(value)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise UnsupportedSpace(f"{path}: {number} does not fit in int64")
    return number


# ---------------------------------------------------------------------------
# decoding


def _read_space(msg: space_pb2.Space, path: str) -> spaces.Space[Any]:
    kind = msg.WhichOneof("kind")
    if kind is None:
        raise InvalidValue(f"{path}: Space has no kind set")
    reader = _READERS[kind]
    try:
        space: spaces.Space[Any] = reader(getattr(msg, kind), path)
    except (ValueError, TypeError, AssertionError, OverflowError) as error:
        if isinstance(error, InvalidValue):
            raise
        # gymnasium's own validation (low > high, n <= 0, ...) of what we read
        raise InvalidValue(f"{path}: invalid {kind} space: {error}") from error
    return space


def _shape(values: Any, path: str) -> tuple[int, ...]:
    shape = tuple(int(dim) for dim in values)
    if any(dim < 0 for dim in shape):
        raise InvalidValue(f"{path}: shape {list(shape)} has a negative dimension")
    return shape


def _bound(msg: Any, dtype: np.dtype[Any], shape: tuple[int, ...], path: str) -> Any:
    array = decode_tensor(msg)
    if array.dtype != dtype or array.shape != shape:
        raise InvalidValue(
            f"{path}: expected {dtype} of shape {shape}, got {array.dtype} of shape {array.shape}"
        )
    return array


def _read_box(msg: space_pb2.BoxSpace, path: str) -> spaces.Box:
    shape = _shape(msg.shape, f"{path}.shape")
    dtype = dtype_from_proto(msg.dtype)
    low = _bound(msg.low, dtype, shape, f"{path}.low")
    high = _bound(msg.high, dtype, shape, f"{path}.high")
    box = spaces.Box(low=low, high=high, shape=shape, dtype=dtype)
    if msg.HasField("bounded_below"):
        box.bounded_below = _bound(
            msg.bounded_below, np.dtype(bool), shape, f"{path}.bounded_below"
        )
    if msg.HasField("bounded_above"):
        box.bounded_above = _bound(
            msg.bounded_above, np.dtype(bool), shape, f"{path}.bounded_above"
        )
    return box


def _read_discrete(msg: space_pb2.DiscreteSpace, path: str) -> spaces.Discrete:
    dtype = dtype_from_proto(msg.dtype)
    if dtype.kind not in "iu":
        raise InvalidValue(f"{path}: Discrete dtype must be an integer type, got {dtype}")
    _check_fits(msg.n, dtype, f"{path}.n")
    _check_fits(msg.start, dtype, f"{path}.start")
    return spaces.Discrete(int(msg.n), start=int(msg.start), dtype=dtype)


def _check_fits(value: int, dtype: np.dtype[Any], path: str) -> None:
    info = np.iinfo(dtype)
    if not int(info.min) <= value <= int(info.max):
        raise InvalidValue(f"{path}: {value} does not fit in {dtype}")


def _read_multi_discrete(msg: space_pb2.MultiDiscreteSpace, path: str) -> spaces.MultiDiscrete:
    nvec = decode_tensor(msg.nvec)
    if nvec.dtype.kind not in "iu":
        raise InvalidValue(f"{path}.nvec: expected an integer dtype, got {nvec.dtype}")
    start = _bound(msg.start, nvec.dtype, nvec.shape, f"{path}.start")
    return spaces.MultiDiscrete(nvec, dtype=nvec.dtype, start=start)


def _read_multi_binary(msg: space_pb2.MultiBinarySpace, path: str) -> spaces.MultiBinary:
    shape = _shape(msg.shape, f"{path}.shape")
    # gymnasium keeps `n` as given and compares it in __eq__: a 1-d space is
    # almost always built as MultiBinary(k), so that is what we rebuild.
    return spaces.MultiBinary(shape[0] if len(shape) == 1 else shape)


def _read_text(msg: space_pb2.TextSpace, path: str) -> spaces.Text:
    if not msg.charset:
        raise InvalidValue(f"{path}.charset: empty")
    if len(set(msg.charset)) != len(msg.charset):
        raise InvalidValue(f"{path}.charset: repeats a character")
    return spaces.Text(msg.max_length, min_length=msg.min_length, charset=msg.charset)


def _read_tuple(msg: space_pb2.TupleSpace, path: str) -> spaces.Tuple[Any]:
    return spaces.Tuple(tuple(_read_space(s, f"{path}[{i}]") for i, s in enumerate(msg.spaces)))


def _read_dict(msg: space_pb2.DictSpace, path: str) -> spaces.Dict:
    pairs = [(e.key, _read_space(e.space, f"{path}[{e.key!r}]")) for e in msg.entries]
    if len({key for key, _ in pairs}) != len(pairs):
        raise InvalidValue(f"{path}: Dict repeats a key")
    # A list of pairs keeps the order given (a plain dict would be sorted).
    return spaces.Dict(pairs)


def _read_sequence(msg: space_pb2.SequenceSpace, path: str) -> spaces.Sequence:
    feature = _read_space(msg.feature_space, f"{path}.feature_space")
    return spaces.Sequence(feature, stack=msg.stack)


def _read_graph(msg: space_pb2.GraphSpace, path: str) -> spaces.Graph:
    node = _read_space(msg.node_space, f"{path}.node_space")
    edge = None
    if msg.HasField("edge_space"):
        edge = _read_space(msg.edge_space, f"{path}.edge_space")
    for name, sub in (("node_space", node), ("edge_space", edge)):
        if sub is not None and not isinstance(sub, (spaces.Box, spaces.Discrete)):
            raise InvalidValue(f"{path}.{name}: must be Box or Discrete, got {type(sub).__name__}")
    return spaces.Graph(node, edge)


def _read_one_of(msg: space_pb2.OneOfSpace, path: str) -> spaces.OneOf[Any]:
    if not msg.spaces:
        raise InvalidValue(f"{path}: OneOf needs at least one space")
    return spaces.OneOf(tuple(_read_space(s, f"{path}[{i}]") for i, s in enumerate(msg.spaces)))


_READERS: dict[str, Any] = {
    "box": _read_box,
    "discrete": _read_discrete,
    "multi_discrete": _read_multi_discrete,
    "multi_binary": _read_multi_binary,
    "text": _read_text,
    "tuple": _read_tuple,
    "dict": _read_dict,
    "sequence": _read_sequence,
    "graph": _read_graph,
    "one_of": _read_one_of,
}
