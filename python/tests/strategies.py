"""Hypothesis strategies for Gymnasium spaces, their samples and generic values.

Sizes stay modest (a few dimensions of a few elements, nesting depth 2) so
that property tests run in seconds. ``spaces_st(sampleable=True)`` keeps
bounds that ``space.sample()`` can handle; ``sampleable=False`` also draws
the dtype's extreme bounds and infinities, for space round trips only.

Also a helper, :func:`assert_exact`, comparing nested structures exactly:
types, dtypes, shapes, values (NaN equal to NaN) and key order.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np
from gymnasium import spaces
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

INT_DTYPES = tuple(
    np.dtype(name)
    for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
)
FLOAT_DTYPES = tuple(np.dtype(name) for name in ("float16", "float32", "float64"))
NUMERIC_DTYPES = (np.dtype(np.bool_), *INT_DTYPES, *FLOAT_DTYPES)

small_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)
nonempty_shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)
# Text for keys and charsets: no surrogates (they are not valid UTF-8).
text_chars = st.characters(blacklist_categories=("Cs",))
keys = st.text(text_chars, max_size=4)


def arrays(dtype: np.dtype[Any], shape: Any) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    """Arrays of any values of ``dtype``, NaN and infinities included."""
    return hnp.arrays(dtype, shape)


@st.composite
def box_spaces(draw: st.DrawFn, sampleable: bool = True) -> spaces.Box:
    dtype = draw(st.sampled_from(NUMERIC_DTYPES))
    shape = draw(small_shapes)
    if dtype.kind == "b":
        low = draw(hnp.arrays(dtype, shape))
        high = np.asarray(low | draw(hnp.arrays(dtype, shape)))
    elif dtype.kind == "f":
        if sampleable:
            finite = st.floats(-100, 100, width=16)
            elements = st.one_of(finite, st.sampled_from([-math.inf, math.inf]))
        else:
            elements = st.floats(allow_nan=False, width=dtype.itemsize * 8)
        a = draw(hnp.arrays(dtype, shape, elements=elements))
        b = draw(hnp.arrays(dtype, shape, elements=elements))
        low, high = np.asarray(np.minimum(a, b)), np.asarray(np.maximum(a, b))
        if sampleable:
            # Box.sample cannot draw from [inf, inf] or [-inf, -inf].
            low[np.isposinf(low)] = 0
            high[np.isneginf(high)] = 0
    else:
        info = np.iinfo(dtype)
        lo, hi = (
            (max(int(info.min), -100), min(int(info.max), 100))
            if sampleable
            else (
                int(info.min),
                int(info.max),
            )
        )
        elements = st.integers(lo, hi)
        a = draw(hnp.arrays(dtype, shape, elements=elements))
        b = draw(hnp.arrays(dtype, shape, elements=elements))
        low, high = np.asarray(np.minimum(a, b)), np.asarray(np.maximum(a, b))
    return spaces.Box(low=low, high=high, shape=shape, dtype=dtype)


@st.composite
def discrete_spaces(draw: st.DrawFn) -> spaces.Discrete:
    dtype = draw(st.sampled_from(INT_DTYPES))
    n = draw(st.integers(1, 5))
    info = np.iinfo(dtype)
    start = draw(st.integers(max(int(info.min), -(2**40)), min(int(info.max), 2**40) - n + 1))
    return spaces.Discrete(n, start=start, dtype=dtype)


@st.composite
def multi_discrete_spaces(draw: st.DrawFn) -> spaces.MultiDiscrete:
    dtype = draw(st.sampled_from(INT_DTYPES))
    shape = draw(nonempty_shapes)
    nvec = draw(hnp.arrays(dtype, shape, elements=st.integers(1, 5)))
    lo = -50 if dtype.kind == "i" else 0
    start = draw(hnp.arrays(dtype, shape, elements=st.integers(lo, 50)))
    return spaces.MultiDiscrete(nvec, dtype=dtype, start=start)


@st.composite
def multi_binary_spaces(draw: st.DrawFn) -> spaces.MultiBinary:
    shape = draw(nonempty_shapes)
    # A 1-d MultiBinary is built from an int, as gymnasium users write it.
    return spaces.MultiBinary(shape[0] if len(shape) == 1 else shape)


@st.composite
def text_spaces(draw: st.DrawFn) -> spaces.Text:
    min_length = draw(st.integers(0, 3))
    max_length = draw(st.integers(max(min_length, 1), 6))
    charset = draw(
        st.one_of(
            st.none(),
            st.lists(text_chars, min_size=1, max_size=8, unique=True).map("".join),
            st.frozensets(st.sampled_from(string.ascii_letters + "äöü€"), min_size=1),
        )
    )
    if charset is None:
        return spaces.Text(max_length, min_length=min_length)
    return spaces.Text(max_length, min_length=min_length, charset=charset)


def leaf_spaces(sampleable: bool = True) -> st.SearchStrategy[spaces.Space[Any]]:
    return st.one_of(
        box_spaces(sampleable),
        discrete_spaces(),
        multi_discrete_spaces(),
        multi_binary_spaces(),
        text_spaces(),
    )


@st.composite
def graph_spaces(draw: st.DrawFn) -> spaces.Graph:
    # Graph.sample needs float bounds it can sample and at least one node dim
    node = draw(st.one_of(discrete_spaces(), simple_boxes()))
    edge = draw(st.one_of(st.none(), discrete_spaces(), simple_boxes()))
    return spaces.Graph(node, edge)


@st.composite
def simple_boxes(draw: st.DrawFn) -> spaces.Box:
    dtype = draw(st.sampled_from([np.dtype(np.float32), np.dtype(np.int32), np.dtype(np.uint8)]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=2))
    return spaces.Box(low=0, high=9, shape=shape, dtype=dtype)


def _has_empty_container(space: spaces.Space[Any]) -> bool:
    if isinstance(space, (spaces.Tuple, spaces.Dict)):
        parts = space.spaces.values() if isinstance(space, spaces.Dict) else space.spaces
        return not parts or any(_has_empty_container(part) for part in parts)
    return False


def _stackable(space: spaces.Sequence[Any]) -> bool:
    # Gymnasium itself cannot stack a sequence of empty Tuples/Dicts: a stacked
    # batch of them has no leaf to tell its length.
    return not (space.stack and _has_empty_container(space.feature_space))


def _containers(children: st.SearchStrategy[spaces.Space[Any]]) -> Any:
    return st.one_of(
        st.lists(children, max_size=3).map(lambda items: spaces.Tuple(tuple(items))),
        st.lists(st.tuples(keys, children), max_size=3, unique_by=lambda kv: kv[0]).map(
            spaces.Dict
        ),
        st.builds(spaces.Sequence, children, stack=st.booleans()).filter(_stackable),
        st.lists(children, min_size=1, max_size=3).map(lambda items: spaces.OneOf(tuple(items))),
    )


def spaces_st(sampleable: bool = True, max_leaves: int = 5) -> st.SearchStrategy[spaces.Space[Any]]:
    """Nested spaces of every kind (depth <= 2 containers) and every dtype."""
    leaves = st.one_of(leaf_spaces(sampleable), graph_spaces())
    return st.recursive(leaves, _containers, max_leaves=max_leaves)


@st.composite
def space_and_sample(draw: st.DrawFn, max_leaves: int = 4) -> tuple[spaces.Space[Any], Any]:
    """A space and one of its samples (``space.sample()`` seeded by hypothesis)."""
    space = draw(spaces_st(sampleable=True, max_leaves=max_leaves))
    space.seed(draw(st.integers(0, 2**32 - 1)))
    return space, _sample(space)


@st.composite
def space_and_batch(draw: st.DrawFn, max_leaves: int = 4) -> tuple[spaces.Space[Any], list[Any]]:
    """A space and n >= 1 of its samples (one per sub-environment)."""
    space = draw(spaces_st(sampleable=True, max_leaves=max_leaves))
    space.seed(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 3))
    return space, [_sample(space) for _ in range(n)]


def _sample(space: spaces.Space[Any]) -> Any:
    # Graph.sample's default node count (geometric, mean 10) and edge count
    # (up to n*(n-1)) can get large inside sequences; bounded here instead.
    if isinstance(space, spaces.Graph):
        nodes = int(space.np_random.integers(1, 4))
        edges = int(space.np_random.integers(0, 4)) if space.edge_space is not None else None
        return space.sample(num_nodes=nodes, num_edges=edges)
    if isinstance(space, spaces.Tuple):
        return tuple(_sample(sub) for sub in space.spaces)
    if isinstance(space, spaces.Dict):
        return {key: _sample(sub) for key, sub in space.spaces.items()}
    if isinstance(space, spaces.OneOf):
        index = space.np_random.integers(0, len(space.spaces), dtype=np.int64)
        return index, _sample(space.spaces[index])
    if isinstance(space, spaces.Sequence):
        length = int(space.np_random.integers(0, 4))
        items = tuple(_sample(space.feature_space) for _ in range(length))
        if not space.stack:
            return items
        from gymnasium.vector.utils import concatenate, create_empty_array

        out = create_empty_array(space.feature_space, length)
        if length == 0:
            return out
        return concatenate(space.feature_space, items, out)
    sample = space.sample()
    if isinstance(sample, np.generic) and not isinstance(space, spaces.Discrete):
        # Box.sample() of shape () gives a numpy scalar for int and bool
        # dtypes but a 0-d array for floats; the codec always gives 0-d arrays.
        sample = np.asarray(sample)
    return sample


# ---------------------------------------------------------------------------
# generic values

_scalar_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(text_chars, max_size=5),
    st.binary(max_size=5),
)


@st.composite
def numpy_values(draw: st.DrawFn) -> Any:
    """numpy arrays (at least 1-d) of every wire dtype, and numpy scalars.

    0-d arrays are left out: they come back as numpy scalars (the wire does
    not tell the two apart), which test_values checks on its own.
    """
    dtype = draw(st.sampled_from(NUMERIC_DTYPES))
    array = draw(
        hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=3))
    )
    if draw(st.booleans()):
        return array.reshape(-1)[0] if array.size else dtype.type(0)
    return array


def generic_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Values of the generic (info/option) form: scalars, numpy, lists, tuples, str-key dicts."""
    return st.recursive(
        st.one_of(_scalar_values, numpy_values()),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.lists(children, max_size=3).map(tuple),
            st.dictionaries(keys, children, max_size=3),
        ),
        max_leaves=max_leaves,
    )


# ---------------------------------------------------------------------------
# exact comparison


def assert_exact(actual: Any, expected: Any, path: str = "value") -> None:
    """Assert that two nested values are identical in type, dtype, shape and content."""
    assert type(actual) is type(expected), f"{path}: type {type(actual)} != {type(expected)}"
    if isinstance(expected, np.ndarray):
        assert actual.dtype == expected.dtype, f"{path}: dtype {actual.dtype} != {expected.dtype}"
        assert actual.shape == expected.shape, f"{path}: shape {actual.shape} != {expected.shape}"
        assert actual.tobytes() == expected.tobytes() or np.array_equal(
            actual, expected, equal_nan=expected.dtype.kind == "f"
        ), f"{path}: {actual!r} != {expected!r}"
    elif isinstance(expected, np.generic):
        assert actual.dtype == expected.dtype, f"{path}: dtype {actual.dtype} != {expected.dtype}"
        _assert_same_number(actual, expected, path)
    elif isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            assert_exact(actual[key], expected[key], f"{path}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        assert len(actual) == len(expected), f"{path}: length {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_exact(a, e, f"{path}[{i}]")
    elif isinstance(expected, float):
        _assert_same_number(actual, expected, path)
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def _assert_same_number(actual: Any, expected: Any, path: str) -> None:
    both_nan = bool(np.isnan(actual)) and bool(np.isnan(expected)) if _is_float(expected) else False
    assert both_nan or actual == expected, f"{path}: {actual!r} != {expected!r}"


def _is_float(x: Any) -> bool:
    return isinstance(x, (float, np.floating))


def assert_same_space(actual: spaces.Space[Any], expected: spaces.Space[Any]) -> None:
    """Equality plus what gymnasium's __eq__ leaves out (key order, charset order, dtypes)."""
    assert actual == expected, f"{actual} != {expected}"
    assert type(actual) is type(expected)
    if isinstance(expected, spaces.Box):
        assert actual.dtype == expected.dtype
        assert actual.shape == expected.shape
        assert actual.low.tobytes() == expected.low.tobytes()
        assert actual.high.tobytes() == expected.high.tobytes()
        assert (actual.bounded_below == expected.bounded_below).all() or expected.dtype.kind == "i"
        assert (actual.bounded_above == expected.bounded_above).all() or expected.dtype.kind == "i"
    elif isinstance(expected, (spaces.Discrete, spaces.MultiDiscrete)):
        assert actual.dtype == expected.dtype
        assert type(actual.start) is type(expected.start)
        assert type(actual.n if isinstance(actual, spaces.Discrete) else actual.nvec) is type(
            expected.n if isinstance(expected, spaces.Discrete) else expected.nvec
        )
    elif isinstance(expected, spaces.MultiBinary):
        assert actual.n == expected.n
        assert type(actual.n) is type(expected.n)
    elif isinstance(expected, spaces.Text):
        # Each character once, in order (gymnasium < 1.3 repeats a str charset's).
        assert tuple(actual.character_list) == tuple(dict.fromkeys(expected.character_list))
        assert (actual.min_length, actual.max_length) == (expected.min_length, expected.max_length)
    elif isinstance(expected, spaces.Dict):
        assert list(actual.spaces) == list(expected.spaces)
        for key in expected.spaces:
            assert_same_space(actual.spaces[key], expected.spaces[key])
    elif isinstance(expected, (spaces.Tuple, spaces.OneOf)):
        for a, e in zip(actual.spaces, expected.spaces, strict=True):
            assert_same_space(a, e)
    elif isinstance(expected, spaces.Sequence):
        assert actual.stack == expected.stack
        assert_same_space(actual.feature_space, expected.feature_space)
    elif isinstance(expected, spaces.Graph):
        assert_same_space(actual.node_space, expected.node_space)
        if expected.edge_space is not None:
            assert actual.edge_space is not None
            assert_same_space(actual.edge_space, expected.edge_space)
