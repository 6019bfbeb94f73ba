"""Python values to and from ``rlay.v1.Value``.

Two families of codecs (see ``proto/rlay/v1/value.proto``):

* generic values (infos, reset options, call arguments, metadata):
  :func:`encode_value`, :func:`fill_value`, :func:`decode_value`. None,
  bool, int (int64), float, str, bytes, numpy scalars and arrays, lists,
  tuples and str-keyed dicts come back with their exact types::

      >>> import numpy as np
      >>> decode_value(encode_value({"lives": 3, "pos": np.float32(0.5), "tag": ("a", None)}))
      {'lives': 3, 'pos': np.float32(0.5), 'tag': ('a', None)}

* values of a space, in *element form* (one sample: :func:`encode_element`,
  :func:`decode_element`) or *batch form* (one entry per sub-environment,
  exactly what gymnasium's vector envs hold for ``batch_space(space, n)``:
  :func:`encode_batch`, :func:`decode_batch`). The env side, which steps its
  sub-environments one by one, converts between a batch and a list of
  elements with :func:`encode_batch_from_elements` and
  :func:`decode_batch_to_elements`::

      >>> from gymnasium import spaces
      >>> space = spaces.Box(-1.0, 1.0, (2,))
      >>> msg = encode_batch_from_elements(space, [np.zeros(2), np.ones(2)])
      >>> decode_batch(space, msg, 2)
      array([[0., 0.],
             [1., 1.]], dtype=float32)

Decoding is strict: a wrong kind, dtype, shape, length or set of keys raises
InvalidValue with the path of the offending part, e.g.
``actions['arm'][1]: expected shape (3,), got (2,)``. Encoding casts Python
numbers and lists (and numpy arrays of a compatible kind, as gymnasium's
vector envs do when they stack observations) to the space's dtype, but never
reshapes. Every function takes a keyword ``path`` that prefixes its errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.spaces.graph import GraphInstance

from rlay.errors import InvalidValue, UnsupportedSpace
from rlay.tensors import decode_tensor, fill_tensor
from rlay.v1 import tensor_pb2, value_pb2

__all__ = [
    "coerce_array",
    "decode_batch",
    "decode_batch_to_elements",
    "decode_element",
    "decode_value",
    "encode_batch",
    "encode_batch_from_elements",
    "encode_element",
    "encode_value",
    "fill_batch",
    "fill_batch_from_elements",
    "fill_element",
    "fill_value",
]

Value = value_pb2.Value
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_ARRAY_SPACES = (spaces.Box, spaces.MultiDiscrete, spaces.MultiBinary)

# ===========================================================================
# public API


def encode_value(obj: Any, *, path: str = "value") -> value_pb2.Value:
    """The generic Value of ``obj`` (an info, option, call argument, ...).

    >>> encode_value([1, "a"]).WhichOneof("kind")
    'list_value'

    Raises InvalidValue for objects of other types, ints outside int64 and
    dicts with non-str keys.
    """
    msg = Value()
    fill_value(msg, obj, path=path)
    return msg


def fill_value(msg: value_pb2.Value, obj: Any, *, path: str = "value") -> None:
    """Like :func:`encode_value`, writing into ``msg`` (which is cleared first).

    >>> msg = value_pb2.Value()
    >>> fill_value(msg, {"seed": 3})
    >>> decode_value(msg)
    {'seed': 3}
    """
    msg.Clear()
    try:
        _fill_generic(msg, obj, path)
    except RecursionError as error:
        raise InvalidValue(f"{path}: too deeply nested (or contains itself)") from error


def decode_value(msg: value_pb2.Value, *, path: str = "value") -> Any:
    """The Python object of a generic Value (the inverse of :func:`encode_value`).

    A numpy scalar comes back as a numpy scalar of the same dtype, a 0-d array
    as a numpy scalar too (the wire does not tell them apart), a ``graph_value``
    as a GraphInstance and a ``one_of_value`` as an ``(index, value)`` tuple.

    >>> decode_value(encode_value((np.int8(3), b"x")))
    (np.int8(3), b'x')
    """
    return _decode_generic(msg, path)


def encode_element(space: spaces.Space[Any], x: Any, *, path: str = "value") -> value_pb2.Value:
    """The element form of ``x``, one sample of ``space``.

    >>> encode_element(spaces.Discrete(3), 2).int_value
    2
    """
    msg = Value()
    _element_filler(space, path)(msg, space, x, path)
    return msg


def fill_element(
    msg: value_pb2.Value, space: spaces.Space[Any], x: Any, *, path: str = "value"
) -> None:
    """Like :func:`encode_element`, writing into ``msg`` (which is cleared first)."""
    msg.Clear()
    _element_filler(space, path)(msg, space, x, path)


def decode_element(space: spaces.Space[Any], msg: value_pb2.Value, *, path: str = "value") -> Any:
    """One sample of ``space`` from its element form, typed as ``space.sample()``
    returns it (except that a Box of shape () always gives a 0-d array, where
    gymnasium's sample gives a numpy scalar for integer and bool dtypes).

    >>> decode_element(spaces.Discrete(3), encode_element(spaces.Discrete(3), 2))
    np.int64(2)
    """
    return _element_decoder(space, path)(space, msg, path)


def encode_batch(
    space: spaces.Space[Any], batch: Any, n: int, *, path: str = "value"
) -> value_pb2.Value:
    """The batch form of ``batch``, which holds ``n`` samples of ``space`` the way
    gymnasium's vector envs hold them (``batch_space(space, n)``).

    >>> encode_batch(spaces.Discrete(4), np.array([0, 3]), 2).tensor.shape
    [2]
    """
    msg = Value()
    _batch_filler(space, path)(msg, space, batch, n, path)
    return msg


def fill_batch(
    msg: value_pb2.Value, space: spaces.Space[Any], batch: Any, n: int, *, path: str = "value"
) -> None:
    """Like :func:`encode_batch`, writing into ``msg`` (which is cleared first)."""
    msg.Clear()
    _batch_filler(space, path)(msg, space, batch, n, path)


def decode_batch(
    space: spaces.Space[Any], msg: value_pb2.Value, n: int, *, path: str = "value"
) -> Any:
    """``n`` samples of ``space`` from their batch form, as gymnasium's vector envs
    return them: arrays of shape ``(n, *space.shape)`` for Box, MultiDiscrete and
    MultiBinary, shape ``(n,)`` for Discrete, tuples and dicts of those for
    Tuple and Dict, and tuples of ``n`` elements for Text, Sequence, Graph, OneOf.

    >>> decode_batch(spaces.Text(3), encode_batch(spaces.Text(3), ("ab", "c"), 2), 2)
    ('ab', 'c')
    """
    return _batch_decoder(space, path)(space, msg, n, path)


def encode_batch_from_elements(
    space: spaces.Space[Any], elements: Any, *, path: str = "value"
) -> value_pb2.Value:
    """The batch form of a list of elements, one per sub-environment (env side).

    Equivalent to encoding ``gymnasium.vector.utils.concatenate(space, elements, ...)``
    but without building the intermediate batch for nested spaces.

    >>> msg = encode_batch_from_elements(spaces.Discrete(3), [0, 2])
    >>> decode_batch(spaces.Discrete(3), msg, 2)
    array([0, 2])
    """
    msg = Value()
    fill_batch_from_elements(msg, space, elements, path=path)
    return msg


def fill_batch_from_elements(
    msg: value_pb2.Value, space: spaces.Space[Any], elements: Any, *, path: str = "value"
) -> None:
    """Like :func:`encode_batch_from_elements`, writing into ``msg`` (cleared first)."""
    msg.Clear()
    items = _as_list(elements, path)
    try:
        _fill_from_elements(msg, space, items, path)
    except InvalidValue:
        # Columns are encoded across sub-environments, so the error names a
        # column; encoding each element alone names the sub-environment.
        for j, element in enumerate(items):
            _fill_element(Value(), space, element, f"{path}[{j}]")
        raise


def decode_batch_to_elements(
    space: spaces.Space[Any], msg: value_pb2.Value, n: int, *, path: str = "value"
) -> list[Any]:
    """The ``n`` elements of a batch, one per sub-environment (env side: actions).

    Array elements are views into one decoded batch array; Discrete elements
    are numpy scalars of the space's dtype, as ``space.sample()`` gives.

    >>> decode_batch_to_elements(spaces.Discrete(3), encode_batch(spaces.Discrete(3), [1, 2], 2), 2)
    [np.int64(1), np.int64(2)]
    """
    return _to_elements(space, decode_batch(space, msg, n, path=path), n)


# ===========================================================================
# shared helpers


def _expect(msg: value_pb2.Value, kind: str, path: str) -> None:
    got = msg.WhichOneof("kind")
    if got != kind:
        raise InvalidValue(f"{path}: expected {kind}, got {got or 'an empty Value'}")


def _unsupported(space: spaces.Space[Any], path: str) -> UnsupportedSpace:
    kind = f"{type(space).__module__}.{type(space).__qualname__}"
    return UnsupportedSpace(f"{path}: values of {kind} cannot travel on the wire")


def _to_array(x: Any, path: str) -> np.ndarray[Any, Any]:
    if type(x) is np.ndarray:
        return x
    try:
        return np.asarray(x)
    except (ValueError, TypeError, OverflowError) as error:
        raise InvalidValue(f"{path}: not an array ({error})") from error


def _cast(arr: np.ndarray[Any, Any], dtype: np.dtype[Any], path: str) -> np.ndarray[Any, Any]:
    """``arr`` as ``dtype`` when no value changes kind: int -> narrower int only
    if every value fits, float -> narrower float (as np.stack(out=...) does in
    gymnasium's vector envs), never float -> int or number -> bool."""
    src = arr.dtype
    if src.kind in "biu" and dtype.kind in "iu":
        out = arr.astype(dtype)
        if np.can_cast(src, dtype) or np.array_equal(out, arr):
            return out
        raise InvalidValue(f"{path}: values of {src} do not fit in {dtype}")
    if src.kind in "biuf" and np.can_cast(src, dtype, "same_kind"):
        return arr.astype(dtype)
    raise InvalidValue(f"{path}: expected dtype {dtype}, got {src}")


def _as_array(
    x: Any, dtype: np.dtype[Any], shape: tuple[int, ...], path: str
) -> np.ndarray[Any, Any]:
    arr = _to_array(x, path)
    if arr.dtype != dtype:
        arr = _cast(arr, dtype, path)
    if arr.shape != shape:
        raise InvalidValue(f"{path}: expected shape {shape}, got {arr.shape}")
    return arr


def coerce_array(
    x: Any, dtype: np.dtype[Any], shape: tuple[int, ...], *, path: str = "value"
) -> np.ndarray[Any, Any]:
    """``x`` as an array of exactly ``dtype`` and ``shape``, cast the way the encoders cast.

    >>> coerce_array([1, 2], np.dtype(np.float32), (2,))
    array([1., 2.], dtype=float32)
    """
    return _as_array(x, dtype, shape, path)


def _as_rows(
    x: Any, dtype: np.dtype[Any], tail: tuple[int, ...], path: str
) -> np.ndarray[Any, Any]:
    """An array of any number of rows of shape ``tail`` (graph nodes and edges)."""
    arr = _to_array(x, path)
    if arr.dtype != dtype:
        arr = _cast(arr, dtype, path)
    if arr.ndim != len(tail) + 1 or arr.shape[1:] != tail:
        raise InvalidValue(f"{path}: expected shape (k, *{tail}), got {arr.shape}")
    return arr


def _check_array(
    arr: np.ndarray[Any, Any], dtype: np.dtype[Any], shape: tuple[int, ...], path: str
) -> np.ndarray[Any, Any]:
    if arr.dtype != dtype:
        raise InvalidValue(f"{path}: expected dtype {dtype}, got {arr.dtype}")
    if arr.shape != shape:
        raise InvalidValue(f"{path}: expected shape {shape}, got {arr.shape}")
    return arr


def _tensor(msg: value_pb2.Value, path: str) -> np.ndarray[Any, Any]:
    if msg.WhichOneof("kind") != "tensor":
        _expect(msg, "tensor", path)
    try:
        return decode_tensor(msg.tensor)
    except InvalidValue as error:
        raise InvalidValue(f"{path}: {error}") from error


def _as_list(x: Any, path: str) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return list(x)
    raise InvalidValue(f"{path}: expected a list or tuple, got {type(x).__name__}")


def _check_count(count: int, n: int, path: str) -> None:
    if count != n:
        raise InvalidValue(f"{path}: expected {n} entries, got {count}")


_IINFO: dict[np.dtype[Any], tuple[int, int]] = {}


def _int_in(value: int, dtype: np.dtype[Any], path: str) -> int:
    bounds = _IINFO.get(dtype)
    if bounds is None:
        info = np.iinfo(dtype)
        bounds = _IINFO[dtype] = (max(int(info.min), _INT64_MIN), min(int(info.max), _INT64_MAX))
    if not bounds[0] <= value <= bounds[1]:
        raise InvalidValue(f"{path}: {value} does not fit in {dtype}")
    return value


def _as_int(x: Any, path: str) -> int:
    if isinstance(x, (int, np.integer)) or (
        isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "biu"
    ):
        return int(x)
    raise InvalidValue(f"{path}: expected an integer, got {type(x).__name__}")


# ===========================================================================
# generic values


def _fill_generic(msg: value_pb2.Value, obj: Any, path: str) -> None:
    filler = _GENERIC_FILLERS.get(type(obj))
    if filler is None:
        filler = _generic_filler_by_isinstance(obj, path)
    filler(msg, obj, path)


def _fill_none(msg: value_pb2.Value, obj: Any, path: str) -> None:
    return  # a Value with no kind is None


def _fill_bool(msg: value_pb2.Value, obj: Any, path: str) -> None:
    msg.bool_value = bool(obj)


def _fill_int(msg: value_pb2.Value, obj: Any, path: str) -> None:
    value = int(obj)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise InvalidValue(f"{path}: int {value} does not fit in int64")
    msg.int_value = value


def _fill_float(msg: value_pb2.Value, obj: Any, path: str) -> None:
    msg.float_value = float(obj)


def _fill_str(msg: value_pb2.Value, obj: Any, path: str) -> None:
    try:
        msg.string_value = str(obj)
    except UnicodeEncodeError as error:
        raise InvalidValue(f"{path}: string is not valid UTF-8 ({error})") from error


def _fill_bytes(msg: value_pb2.Value, obj: Any, path: str) -> None:
    msg.bytes_value = bytes(obj)


def _fill_tensor(msg: value_pb2.Value, obj: Any, path: str) -> None:
    try:
        fill_tensor(msg.tensor, obj)
    except InvalidValue as error:
        raise InvalidValue(f"{path}: {error}") from error


def _fill_list(msg: value_pb2.Value, obj: Any, path: str) -> None:
    _fill_items(msg.list_value, obj, path)


def _fill_tuple(msg: value_pb2.Value, obj: Any, path: str) -> None:
    _fill_items(msg.tuple_value, obj, path)


def _fill_items(target: value_pb2.ValueList, obj: Any, path: str) -> None:
    target.SetInParent()  # an empty list is still a list, not None
    items = target.items
    for i, item in enumerate(obj):
        _fill_generic(items.add(), item, f"{path}[{i}]")


def _fill_map(msg: value_pb2.Value, obj: Any, path: str) -> None:
    target = msg.map_value
    target.SetInParent()
    entries = target.entries
    for key, item in obj.items():
        if not isinstance(key, str):
            raise InvalidValue(f"{path}: map key {key!r} is not a str")
        entry = entries.add()
        try:
            entry.key = key
        except UnicodeEncodeError as error:
            raise InvalidValue(f"{path}: map key {key!r} is not valid UTF-8") from error
        _fill_generic(entry.value, item, f"{path}[{key!r}]")


def _fill_graph_generic(msg: value_pb2.Value, obj: Any, path: str) -> None:
    graph = msg.graph_value
    nodes, edges, links = obj
    _fill_tensor_at(graph.nodes, nodes, f"{path}.nodes")
    if edges is not None:
        _fill_tensor_at(graph.edges, edges, f"{path}.edges")
    if links is not None:
        _fill_tensor_at(graph.edge_links, links, f"{path}.edge_links")


def _fill_tensor_at(target: tensor_pb2.Tensor, obj: Any, path: str) -> None:
    try:
        fill_tensor(target, obj)
    except InvalidValue as error:
        raise InvalidValue(f"{path}: {error}") from error


_GenericFiller = Callable[[value_pb2.Value, Any, str], None]

_GENERIC_FILLERS: dict[type, _GenericFiller] = {
    type(None): _fill_none,
    bool: _fill_bool,
    int: _fill_int,
    float: _fill_float,
    str: _fill_str,
    bytes: _fill_bytes,
    np.ndarray: _fill_tensor,
    list: _fill_list,
    tuple: _fill_tuple,
    dict: _fill_map,
    GraphInstance: _fill_graph_generic,
}


def _generic_filler_by_isinstance(obj: Any, path: str) -> _GenericFiller:
    """Subclasses and numpy scalars; the exact-type table above is the fast path."""
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        return _fill_tensor  # a 0-d tensor keeps the scalar's dtype
    for kind, filler in (
        (np.ndarray, _fill_tensor),
        (str, _fill_str),
        ((bytes, bytearray, memoryview), _fill_bytes),
        ((int, np.integer), _fill_int),
        ((float, np.floating), _fill_float),
        (Mapping, _fill_map),
        (tuple, _fill_tuple),
        (list, _fill_list),
    ):
        if isinstance(obj, kind):
            return filler
    raise InvalidValue(f"{path}: values of type {type(obj).__qualname__} cannot travel on the wire")


def _decode_generic(msg: value_pb2.Value, path: str) -> Any:
    kind = msg.WhichOneof("kind")
    if kind is None:
        return None
    return _GENERIC_DECODERS[kind](msg, path)


def _decode_generic_tensor(msg: value_pb2.Value, path: str) -> Any:
    arr = _tensor(msg, path)
    return arr[()] if arr.ndim == 0 else arr


def _decode_map(msg: value_pb2.Value, path: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in msg.map_value.entries:
        key = entry.key
        if key in result:
            raise InvalidValue(f"{path}: map repeats the key {key!r}")
        result[key] = _decode_generic(entry.value, f"{path}[{key!r}]")
    return result


def _decode_graph_generic(msg: value_pb2.Value, path: str) -> GraphInstance:
    graph = msg.graph_value
    if not graph.HasField("nodes"):
        raise InvalidValue(f"{path}: graph_value without nodes")
    return GraphInstance(
        _tensor_at(graph.nodes, f"{path}.nodes"),
        _tensor_at(graph.edges, f"{path}.edges") if graph.HasField("edges") else None,
        _tensor_at(graph.edge_links, f"{path}.edge_links")
        if graph.HasField("edge_links")
        else None,
    )


def _tensor_at(msg: tensor_pb2.Tensor, path: str) -> np.ndarray[Any, Any]:
    try:
        return decode_tensor(msg)
    except InvalidValue as error:
        raise InvalidValue(f"{path}: {error}") from error


_GENERIC_DECODERS: dict[str, Callable[[value_pb2.Value, str], Any]] = {
    "bool_value": lambda m, p: m.bool_value,
    "int_value": lambda m, p: m.int_value,
    "float_value": lambda m, p: m.float_value,
    "string_value": lambda m, p: m.string_value,
    "bytes_value": lambda m, p: m.bytes_value,
    "tensor": _decode_generic_tensor,
    "list_value": lambda m, p: [
        _decode_generic(v, f"{p}[{i}]") for i, v in enumerate(m.list_value.items)
    ],
    "tuple_value": lambda m, p: tuple(
        _decode_generic(v, f"{p}[{i}]") for i, v in enumerate(m.tuple_value.items)
    ),
    "map_value": _decode_map,
    "graph_value": _decode_graph_generic,
    "one_of_value": lambda m, p: (
        m.one_of_value.index,
        _decode_generic(m.one_of_value.value, f"{p}.value"),
    ),
}


# ===========================================================================
# element form: encoding


def _element_filler(space: spaces.Space[Any], path: str) -> Any:
    filler = _ELEMENT_FILLERS.get(type(space))
    if filler is None:
        raise _unsupported(space, path)
    return filler


def _fill_element(msg: value_pb2.Value, space: spaces.Space[Any], x: Any, path: str) -> None:
    _element_filler(space, path)(msg, space, x, path)


def _fill_array_element(msg: value_pb2.Value, space: Any, x: Any, path: str) -> None:
    fill_tensor(msg.tensor, _as_array(x, space.dtype, space.shape, path))


def _fill_discrete_element(msg: value_pb2.Value, space: spaces.Discrete, x: Any, path: str) -> None:
    msg.int_value = _int_in(_as_int(x, path), space.dtype, path)


def _fill_text_element(msg: value_pb2.Value, space: spaces.Text, x: Any, path: str) -> None:
    if not isinstance(x, str):
        raise InvalidValue(f"{path}: expected a str, got {type(x).__name__}")
    _fill_str(msg, x, path)


def _fill_tuple_element(msg: value_pb2.Value, space: spaces.Tuple[Any], x: Any, path: str) -> None:
    parts = _as_list(x, path)
    _check_count(len(parts), len(space.spaces), path)
    msg.tuple_value.SetInParent()
    items = msg.tuple_value.items
    for i, (sub, part) in enumerate(zip(space.spaces, parts, strict=True)):
        _fill_element(items.add(), sub, part, f"{path}[{i}]")


def _check_keys(space: spaces.Dict, x: Any, path: str) -> None:
    if not isinstance(x, Mapping):
        raise InvalidValue(f"{path}: expected a dict, got {type(x).__name__}")
    if len(x) != len(space.spaces) or any(key not in x for key in space.spaces):
        raise InvalidValue(f"{path}: expected keys {list(space.spaces)}, got {list(x)}")


def _fill_dict_element(msg: value_pb2.Value, space: spaces.Dict, x: Any, path: str) -> None:
    _check_keys(space, x, path)
    msg.map_value.SetInParent()
    entries = msg.map_value.entries
    for key, sub in space.spaces.items():
        entry = entries.add()
        entry.key = key
        _fill_element(entry.value, sub, x[key], f"{path}[{key!r}]")


def _fill_sequence_element(msg: value_pb2.Value, space: spaces.Sequence, x: Any, path: str) -> None:
    if space.stack:
        length = _py_length(space.feature_space, x, path)
        _fill_batch(msg, space.feature_space, x, length, path)
        return
    _fill_element_list(msg, space.feature_space, _as_list(x, path), path)


def _fill_element_list(
    msg: value_pb2.Value, space: spaces.Space[Any], elements: list[Any], path: str
) -> None:
    msg.list_value.SetInParent()
    items = msg.list_value.items
    filler = _element_filler(space, path)
    for i, element in enumerate(elements):
        filler(items.add(), space, element, f"{path}[{i}]")


def _fill_graph_element(msg: value_pb2.Value, space: spaces.Graph, x: Any, path: str) -> None:
    if not isinstance(x, tuple) or len(x) != 3:
        raise InvalidValue(f"{path}: expected a GraphInstance, got {type(x).__name__}")
    nodes, edges, links = x
    node_space = space.node_space
    graph = msg.graph_value
    fill_tensor(
        graph.nodes, _as_rows(nodes, node_space.dtype, node_space.shape or (), f"{path}.nodes")
    )
    if (edges is None) != (links is None):
        raise InvalidValue(f"{path}: edges and edge_links must both be set or both be None")
    if edges is None:
        return
    edge_space = space.edge_space
    if edge_space is None:
        raise InvalidValue(f"{path}: edges given but the Graph space has no edge_space")
    edge_rows = _as_rows(edges, edge_space.dtype, edge_space.shape or (), f"{path}.edges")
    link_array = _to_array(links, f"{path}.edge_links")
    if link_array.dtype.kind not in "iu":
        raise InvalidValue(f"{path}.edge_links: expected integers, got {link_array.dtype}")
    if link_array.shape != (edge_rows.shape[0], 2):
        raise InvalidValue(
            f"{path}.edge_links: expected shape {(edge_rows.shape[0], 2)}, got {link_array.shape}"
        )
    fill_tensor(graph.edges, edge_rows)
    fill_tensor(graph.edge_links, link_array)


def _fill_one_of_element(msg: value_pb2.Value, space: spaces.OneOf[Any], x: Any, path: str) -> None:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise InvalidValue(f"{path}: expected an (index, value) pair, got {type(x).__name__}")
    index = _as_int(x[0], f"{path}[0]")
    if not 0 <= index < len(space.spaces):
        raise InvalidValue(f"{path}: index {index} out of range for {len(space.spaces)} spaces")
    one_of = msg.one_of_value
    one_of.SetInParent()
    one_of.index = index
    _fill_element(one_of.value, space.spaces[index], x[1], f"{path}[1]")


_ELEMENT_FILLERS: dict[type, Any] = {
    spaces.Box: _fill_array_element,
    spaces.MultiDiscrete: _fill_array_element,
    spaces.MultiBinary: _fill_array_element,
    spaces.Discrete: _fill_discrete_element,
    spaces.Text: _fill_text_element,
    spaces.Tuple: _fill_tuple_element,
    spaces.Dict: _fill_dict_element,
    spaces.Sequence: _fill_sequence_element,
    spaces.Graph: _fill_graph_element,
    spaces.OneOf: _fill_one_of_element,
}


def _py_length(space: spaces.Space[Any], batch: Any, path: str) -> int:
    """How many elements a (stacked) batch in Python form holds."""
    if isinstance(space, spaces.Tuple):
        parts = _as_list(batch, path)
        return _py_length(space.spaces[0], parts[0], f"{path}[0]") if space.spaces and parts else 0
    if isinstance(space, spaces.Dict):
        if not space.spaces:
            return 0
        _check_keys(space, batch, path)
        key = next(iter(space.spaces))
        return _py_length(space.spaces[key], batch[key], f"{path}[{key!r}]")
    try:
        return len(batch)
    except TypeError as error:
        raise InvalidValue(f"{path}: expected a batch, got {type(batch).__name__}") from error


# ===========================================================================
# element form: decoding


def _element_decoder(space: spaces.Space[Any], path: str) -> Any:
    decoder = _ELEMENT_DECODERS.get(type(space))
    if decoder is None:
        raise _unsupported(space, path)
    return decoder


def _decode_element(space: spaces.Space[Any], msg: value_pb2.Value, path: str) -> Any:
    return _element_decoder(space, path)(space, msg, path)


def _decode_array_element(space: Any, msg: value_pb2.Value, path: str) -> Any:
    return _check_array(_tensor(msg, path), space.dtype, space.shape, path)


def _decode_discrete_element(space: spaces.Discrete, msg: value_pb2.Value, path: str) -> Any:
    _expect(msg, "int_value", path)
    return space.dtype.type(_int_in(msg.int_value, space.dtype, path))


def _decode_text_element(space: spaces.Text, msg: value_pb2.Value, path: str) -> str:
    _expect(msg, "string_value", path)
    return msg.string_value


def _decode_tuple_element(
    space: spaces.Tuple[Any], msg: value_pb2.Value, path: str
) -> tuple[Any, ...]:
    _expect(msg, "tuple_value", path)
    items = msg.tuple_value.items
    _check_count(len(items), len(space.spaces), path)
    return tuple(
        _decode_element(sub, item, f"{path}[{i}]")
        for i, (sub, item) in enumerate(zip(space.spaces, items, strict=True))
    )


def _map_entries(space: spaces.Dict, msg: value_pb2.Value, path: str) -> Any:
    _expect(msg, "map_value", path)
    entries = msg.map_value.entries
    keys = [entry.key for entry in entries]
    if keys != list(space.spaces):
        raise InvalidValue(f"{path}: expected keys {list(space.spaces)}, got {keys}")
    return entries


def _decode_dict_element(space: spaces.Dict, msg: value_pb2.Value, path: str) -> dict[str, Any]:
    entries = _map_entries(space, msg, path)
    return {
        entry.key: _decode_element(sub, entry.value, f"{path}[{entry.key!r}]")
        for entry, sub in zip(entries, space.spaces.values(), strict=True)
    }


def _decode_sequence_element(space: spaces.Sequence, msg: value_pb2.Value, path: str) -> Any:
    if space.stack:
        length = _wire_length(space.feature_space, msg, path)
        return decode_batch(space.feature_space, msg, length, path=path)
    return _decode_element_list(space.feature_space, msg, None, path)


def _decode_element_list(
    space: spaces.Space[Any], msg: value_pb2.Value, n: int | None, path: str
) -> tuple[Any, ...]:
    _expect(msg, "list_value", path)
    items = msg.list_value.items
    if n is not None:
        _check_count(len(items), n, path)
    decoder = _element_decoder(space, path)
    return tuple(decoder(space, item, f"{path}[{i}]") for i, item in enumerate(items))


def _decode_graph_element(space: spaces.Graph, msg: value_pb2.Value, path: str) -> GraphInstance:
    _expect(msg, "graph_value", path)
    graph = msg.graph_value
    if not graph.HasField("nodes"):
        raise InvalidValue(f"{path}.nodes: missing")
    node_space = space.node_space
    nodes = _rows(graph.nodes, node_space.dtype, node_space.shape or (), f"{path}.nodes")
    has_edges, has_links = graph.HasField("edges"), graph.HasField("edge_links")
    if has_edges != has_links:
        raise InvalidValue(f"{path}: edges and edge_links must both be present or both absent")
    if not has_edges:
        return GraphInstance(nodes, None, None)
    edge_space = space.edge_space
    if edge_space is None:
        raise InvalidValue(f"{path}.edges: the Graph space has no edge_space")
    edges = _rows(graph.edges, edge_space.dtype, edge_space.shape or (), f"{path}.edges")
    links = _tensor_at(graph.edge_links, f"{path}.edge_links")
    if links.dtype.kind not in "iu" or links.shape != (edges.shape[0], 2):
        raise InvalidValue(
            f"{path}.edge_links: expected integers of shape {(edges.shape[0], 2)}, "
            f"got {links.dtype} of shape {links.shape}"
        )
    return GraphInstance(nodes, edges, links)


def _rows(
    msg: tensor_pb2.Tensor, dtype: np.dtype[Any], tail: tuple[int, ...], path: str
) -> np.ndarray[Any, Any]:
    arr = _tensor_at(msg, path)
    if arr.dtype != dtype:
        raise InvalidValue(f"{path}: expected dtype {dtype}, got {arr.dtype}")
    if arr.ndim != len(tail) + 1 or arr.shape[1:] != tail:
        raise InvalidValue(f"{path}: expected shape (k, *{tail}), got {arr.shape}")
    return arr


def _decode_one_of_element(
    space: spaces.OneOf[Any], msg: value_pb2.Value, path: str
) -> tuple[Any, Any]:
    _expect(msg, "one_of_value", path)
    one_of = msg.one_of_value
    index = one_of.index
    if not 0 <= index < len(space.spaces):
        raise InvalidValue(f"{path}: index {index} out of range for {len(space.spaces)} spaces")
    # np.int64, as OneOf.sample() gives it
    return np.int64(index), _decode_element(space.spaces[index], one_of.value, f"{path}[1]")


_ELEMENT_DECODERS: dict[type, Any] = {
    spaces.Box: _decode_array_element,
    spaces.MultiDiscrete: _decode_array_element,
    spaces.MultiBinary: _decode_array_element,
    spaces.Discrete: _decode_discrete_element,
    spaces.Text: _decode_text_element,
    spaces.Tuple: _decode_tuple_element,
    spaces.Dict: _decode_dict_element,
    spaces.Sequence: _decode_sequence_element,
    spaces.Graph: _decode_graph_element,
    spaces.OneOf: _decode_one_of_element,
}


def _wire_length(space: spaces.Space[Any], msg: value_pb2.Value, path: str) -> int:
    """How many elements a (stacked) batch on the wire holds."""
    if isinstance(space, spaces.Tuple):
        _expect(msg, "tuple_value", path)
        items = msg.tuple_value.items
        if not space.spaces or not items:
            return 0
        return _wire_length(space.spaces[0], items[0], f"{path}[0]")
    if isinstance(space, spaces.Dict):
        entries = _map_entries(space, msg, path)
        if not entries:
            return 0
        return _wire_length(space.spaces[entries[0].key], entries[0].value, path)
    if isinstance(space, (*_ARRAY_SPACES, spaces.Discrete)):
        _expect(msg, "tensor", path)
        shape = msg.tensor.shape
        if not shape:
            raise InvalidValue(f"{path}: a batch tensor needs a leading dimension")
        return int(shape[0])
    _expect(msg, "list_value", path)
    return len(msg.list_value.items)


# ===========================================================================
# batch form


def _batch_filler(space: spaces.Space[Any], path: str) -> Any:
    filler = _BATCH_FILLERS.get(type(space))
    if filler is None:
        raise _unsupported(space, path)
    return filler


def _fill_batch(
    msg: value_pb2.Value, space: spaces.Space[Any], batch: Any, n: int, path: str
) -> None:
    _batch_filler(space, path)(msg, space, batch, n, path)


def _fill_array_batch(msg: value_pb2.Value, space: Any, batch: Any, n: int, path: str) -> None:
    fill_tensor(msg.tensor, _as_array(batch, space.dtype, (n, *space.shape), path))


def _fill_tuple_batch(
    msg: value_pb2.Value, space: spaces.Tuple[Any], batch: Any, n: int, path: str
) -> None:
    parts = _as_list(batch, path)
    _check_count(len(parts), len(space.spaces), path)
    msg.tuple_value.SetInParent()
    items = msg.tuple_value.items
    for i, (sub, part) in enumerate(zip(space.spaces, parts, strict=True)):
        _fill_batch(items.add(), sub, part, n, f"{path}[{i}]")


def _fill_dict_batch(
    msg: value_pb2.Value, space: spaces.Dict, batch: Any, n: int, path: str
) -> None:
    _check_keys(space, batch, path)
    msg.map_value.SetInParent()
    entries = msg.map_value.entries
    for key, sub in space.spaces.items():
        entry = entries.add()
        entry.key = key
        _fill_batch(entry.value, sub, batch[key], n, f"{path}[{key!r}]")


def _fill_list_batch(
    msg: value_pb2.Value, space: spaces.Space[Any], batch: Any, n: int, path: str
) -> None:
    elements = _as_list(batch, path)
    _check_count(len(elements), n, path)
    _fill_element_list(msg, space, elements, path)


_BATCH_FILLERS: dict[type, Any] = {
    spaces.Box: _fill_array_batch,
    spaces.MultiDiscrete: _fill_array_batch,
    spaces.MultiBinary: _fill_array_batch,
    spaces.Discrete: _fill_array_batch,
    spaces.Tuple: _fill_tuple_batch,
    spaces.Dict: _fill_dict_batch,
    spaces.Text: _fill_list_batch,
    spaces.Sequence: _fill_list_batch,
    spaces.Graph: _fill_list_batch,
    spaces.OneOf: _fill_list_batch,
}


def _batch_decoder(space: spaces.Space[Any], path: str) -> Any:
    decoder = _BATCH_DECODERS.get(type(space))
    if decoder is None:
        raise _unsupported(space, path)
    return decoder


def _decode_array_batch(space: Any, msg: value_pb2.Value, n: int, path: str) -> Any:
    return _check_array(_tensor(msg, path), space.dtype, (n, *space.shape), path)


def _decode_tuple_batch(
    space: spaces.Tuple[Any], msg: value_pb2.Value, n: int, path: str
) -> tuple[Any, ...]:
    _expect(msg, "tuple_value", path)
    items = msg.tuple_value.items
    _check_count(len(items), len(space.spaces), path)
    return tuple(
        _batch_decoder(sub, path)(sub, item, n, f"{path}[{i}]")
        for i, (sub, item) in enumerate(zip(space.spaces, items, strict=True))
    )


def _decode_dict_batch(
    space: spaces.Dict, msg: value_pb2.Value, n: int, path: str
) -> dict[str, Any]:
    entries = _map_entries(space, msg, path)
    return {
        entry.key: _batch_decoder(sub, path)(sub, entry.value, n, f"{path}[{entry.key!r}]")
        for entry, sub in zip(entries, space.spaces.values(), strict=True)
    }


def _decode_list_batch(
    space: spaces.Space[Any], msg: value_pb2.Value, n: int, path: str
) -> tuple[Any, ...]:
    return _decode_element_list(space, msg, n, path)


_BATCH_DECODERS: dict[type, Any] = {
    spaces.Box: _decode_array_batch,
    spaces.MultiDiscrete: _decode_array_batch,
    spaces.MultiBinary: _decode_array_batch,
    spaces.Discrete: _decode_array_batch,
    spaces.Tuple: _decode_tuple_batch,
    spaces.Dict: _decode_dict_batch,
    spaces.Text: _decode_list_batch,
    spaces.Sequence: _decode_list_batch,
    spaces.Graph: _decode_list_batch,
    spaces.OneOf: _decode_list_batch,
}


# ===========================================================================
# lists of elements <-> batch form (env side)


def _fill_from_elements(
    msg: value_pb2.Value, space: spaces.Space[Any], elements: list[Any], path: str
) -> None:
    if type(space) not in _BATCH_FILLERS:
        raise _unsupported(space, path)
    if isinstance(space, (*_ARRAY_SPACES, spaces.Discrete)):
        fill_tensor(msg.tensor, _stack(space, elements, path))
    elif isinstance(space, spaces.Tuple):
        rows = [_as_list(e, f"{path}[{j}]") for j, e in enumerate(elements)]
        for j, row in enumerate(rows):
            _check_count(len(row), len(space.spaces), f"{path}[{j}]")
        msg.tuple_value.SetInParent()
        items = msg.tuple_value.items
        for i, sub in enumerate(space.spaces):
            _fill_from_elements(items.add(), sub, [row[i] for row in rows], f"{path}[{i}]")
    elif isinstance(space, spaces.Dict):
        for j, element in enumerate(elements):
            _check_keys(space, element, f"{path}[{j}]")
        msg.map_value.SetInParent()
        entries = msg.map_value.entries
        for key, sub in space.spaces.items():
            entry = entries.add()
            entry.key = key
            _fill_from_elements(entry.value, sub, [e[key] for e in elements], f"{path}[{key!r}]")
    else:
        _fill_element_list(msg, space, elements, path)


def _stack(space: Any, elements: list[Any], path: str) -> np.ndarray[Any, Any]:
    """One (n, *shape) array of the space's dtype from n elements."""
    dtype, shape = space.dtype, space.shape
    full = (len(elements), *shape)
    try:
        stacked = np.asarray(elements)
    except (ValueError, TypeError, OverflowError):
        stacked = None
    if stacked is not None and stacked.dtype == dtype and stacked.shape == full:
        return stacked  # the common case: elements already of the space's dtype
    # Mixed inputs (Python floats, other dtypes) are cast one by one, so that
    # numpy's promotion of the whole list (int64 with uint64 gives float64)
    # does not decide what is accepted.
    parts = [_as_array(e, dtype, shape, f"{path}[{j}]") for j, e in enumerate(elements)]
    return np.stack(parts) if parts else np.empty(full, dtype)


def _to_elements(space: spaces.Space[Any], batch: Any, n: int) -> list[Any]:
    """Split a batch decoded by decode_batch (so already validated) into n elements."""
    if isinstance(space, spaces.Discrete):
        return list(batch)  # numpy scalars, as Discrete.sample() gives
    if isinstance(space, _ARRAY_SPACES):
        return [batch[j, ...] for j in range(n)]  # keeps 0-d elements arrays
    if isinstance(space, spaces.Tuple):
        parts = [_to_elements(sub, part, n) for sub, part in zip(space.spaces, batch, strict=True)]
        return [tuple(part[j] for part in parts) for j in range(n)]
    if isinstance(space, spaces.Dict):
        columns = {key: _to_elements(sub, batch[key], n) for key, sub in space.spaces.items()}
        return [{key: column[j] for key, column in columns.items()} for j in range(n)]
    return list(batch)
