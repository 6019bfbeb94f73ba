"""Exact comparison of observations, infos, frames and spaces, with the path of a mismatch.

Exact means: same container kinds, same keys in the same order, same numpy dtype,
shape and bytes, and Python scalars of the same type (``True`` is not ``1``).

    >>> same({"a": (1, "x")}, {"a": (1, "x")})
    >>> same([1.0], [1])
    Traceback (most recent call last):
    ...
    AssertionError: [0]: expected float 1.0, got int 1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces as gs


def _describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        head = np.array2string(x.ravel()[:8], threshold=8)
        return f"ndarray {x.dtype} {x.shape} {head}"
    return f"{type(x).__name__} {x!r}"


def _fail(path: str, expected: Any, got: Any) -> None:
    raise AssertionError(f"{path or 'value'}: expected {_describe(expected)}, got {_describe(got)}")


def _same_array(path: str, expected: np.ndarray[Any, Any], got: Any) -> None:
    if not isinstance(got, np.ndarray):
        _fail(path, expected, got)
    if got.dtype != expected.dtype or got.shape != expected.shape:
        _fail(path, expected, got)
    if expected.size == 0:
        return
    if expected.dtype == object:  # e.g. final_obs / final_info of a vector env
        for index in np.ndindex(expected.shape):
            where = f"{path}[{', '.join(map(str, index))}]"
            same_loose_scalars(expected[index], got[index], where)
        return
    mine = np.ascontiguousarray(expected).reshape(-1).view(np.uint8).reshape(expected.size, -1)
    theirs = np.ascontiguousarray(got).reshape(-1).view(np.uint8).reshape(got.size, -1)
    differs = np.flatnonzero((mine != theirs).any(axis=1))
    if len(differs):
        first = [int(i) for i in np.unravel_index(int(differs[0]), expected.shape)]
        raise AssertionError(
            f"{path or 'value'}: arrays differ in {len(differs)} elements, first at {first}: "
            f"expected {_describe(expected)}, got {_describe(got)}"
        )


def same(expected: Any, got: Any, path: str = "") -> None:
    """Raise AssertionError naming the first place where ``got`` differs from ``expected``."""
    if isinstance(expected, np.ndarray):
        _same_array(path, expected, got)
    elif isinstance(expected, np.generic):
        if not isinstance(got, np.generic) or got.dtype != expected.dtype or got != expected:
            _fail(path, expected, got)
    elif isinstance(expected, gs.GraphInstance):
        if not isinstance(got, gs.GraphInstance):
            _fail(path, expected, got)
        for part in ("nodes", "edges", "edge_links"):
            same(getattr(expected, part), getattr(got, part), f"{path}.{part}")
    elif isinstance(expected, Mapping):
        if not isinstance(got, Mapping) or list(got.keys()) != list(expected.keys()):
            _fail(path, expected, got)
        for key, value in expected.items():
            same(value, got[key], f"{path}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        if type(got) is not type(expected) or len(got) != len(expected):
            _fail(path, expected, got)
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            same(e, g, f"{path}[{i}]")
    elif expected is None:
        if got is not None:
            _fail(path, expected, got)
    elif type(got) is not type(expected) or got != expected:
        _fail(path, expected, got)


def same_loose_scalars(expected: Any, got: Any, path: str = "") -> None:
    """Like :func:`same`, but a numpy scalar may stand for the equal Python int and back.

    Used only where gymnasium itself gives either form (Discrete elements)."""
    if isinstance(expected, (np.integer, int)) and not isinstance(expected, bool):
        if (
            isinstance(got, bool)
            or not isinstance(got, (np.integer, int))
            or int(got) != int(expected)
        ):
            _fail(path, expected, got)
        return
    if isinstance(expected, Mapping) and isinstance(got, Mapping):
        if list(got.keys()) != list(expected.keys()):
            _fail(path, expected, got)
        for key, value in expected.items():
            same_loose_scalars(value, got[key], f"{path}[{key!r}]")
        return
    if isinstance(expected, tuple) and isinstance(got, tuple) and len(got) == len(expected):
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            same_loose_scalars(e, g, f"{path}[{i}]")
        return
    if isinstance(expected, gs.GraphInstance) and isinstance(got, gs.GraphInstance):
        for part in ("nodes", "edges", "edge_links"):
            same(getattr(expected, part), getattr(got, part), f"{path}.{part}")
        return
    same(expected, got, path)


def same_space(expected: gs.Space[Any], got: gs.Space[Any], path: str = "space") -> None:
    """Spaces equal exactly: kind, dtype, shape, bounds bit for bit, starts, key order."""
    if type(got) is not type(expected):
        raise AssertionError(f"{path}: expected {expected}, got {got}")
    if isinstance(expected, gs.Box):
        assert isinstance(got, gs.Box)
        if got.dtype != expected.dtype or got.shape != expected.shape:
            raise AssertionError(f"{path}: expected {expected}, got {got}")
        same(expected.low, got.low, f"{path}.low")
        same(expected.high, got.high, f"{path}.high")
        same(expected.bounded_below, got.bounded_below, f"{path}.bounded_below")
        same(expected.bounded_above, got.bounded_above, f"{path}.bounded_above")
    elif isinstance(expected, gs.Discrete):
        assert isinstance(got, gs.Discrete)
        if (int(got.n), int(got.start), got.dtype) != (
            int(expected.n),
            int(expected.start),
            expected.dtype,
        ):
            raise AssertionError(f"{path}: expected {expected!r}, got {got!r}")
    elif isinstance(expected, gs.MultiDiscrete):
        assert isinstance(got, gs.MultiDiscrete)
        same(expected.nvec, got.nvec, f"{path}.nvec")
        same(expected.start, got.start, f"{path}.start")
    elif isinstance(expected, gs.MultiBinary):
        assert isinstance(got, gs.MultiBinary)
        if tuple(got.shape) != tuple(expected.shape):
            raise AssertionError(f"{path}: expected {expected}, got {got}")
    elif isinstance(expected, gs.Text):
        assert isinstance(got, gs.Text)
        mine = (expected.min_length, expected.max_length, expected.characters)
        theirs = (got.min_length, got.max_length, got.characters)
        if mine != theirs:
            raise AssertionError(f"{path}: expected Text{mine}, got Text{theirs}")
    elif isinstance(expected, (gs.Tuple, gs.OneOf)):
        assert isinstance(got, (gs.Tuple, gs.OneOf))
        if len(got.spaces) != len(expected.spaces):
            raise AssertionError(f"{path}: expected {expected}, got {got}")
        for i, (e, g) in enumerate(zip(expected.spaces, got.spaces, strict=True)):
            same_space(e, g, f"{path}[{i}]")
    elif isinstance(expected, gs.Dict):
        assert isinstance(got, gs.Dict)
        if list(got.spaces) != list(expected.spaces):
            raise AssertionError(
                f"{path}: expected keys {list(expected.spaces)}, got {list(got.spaces)}"
            )
        for key, sub in expected.spaces.items():
            same_space(sub, got.spaces[key], f"{path}[{key!r}]")
    elif isinstance(expected, gs.Sequence):
        assert isinstance(got, gs.Sequence)
        if got.stack != expected.stack:
            raise AssertionError(f"{path}: expected stack={expected.stack}, got {got.stack}")
        same_space(expected.feature_space, got.feature_space, f"{path}.feature")
    elif isinstance(expected, gs.Graph):
        assert isinstance(got, gs.Graph)
        same_space(expected.node_space, got.node_space, f"{path}.node")
        if (expected.edge_space is None) != (got.edge_space is None):
            raise AssertionError(
                f"{path}.edge: expected {expected.edge_space}, got {got.edge_space}"
            )
        if expected.edge_space is not None:
            same_space(expected.edge_space, got.edge_space, f"{path}.edge")
    else:
        raise AssertionError(f"{path}: no comparison for {expected}")
