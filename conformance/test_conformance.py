"""The conformance matrix: every selected peer x mode x case x transport (see conftest.py)."""

from __future__ import annotations

from typing import Any

from runner.cases import CASES, MODES
from runner.harness import Harness
from runner.peers import load_expected_failures


def test_case(combo: Any, harness: Harness) -> None:
    _, _, name, _ = combo
    CASES[name].check(harness)


def test_expected_failures_name_cases(peer_name: str) -> None:
    """Every line of expected_failures/<peer>.txt names a case of the matrix."""
    known = {f"{mode}/{name}" for name, c in CASES.items() for mode in c.modes if mode in MODES}
    unknown = sorted(set(load_expected_failures(peer_name)) - known)
    assert not unknown, f"expected_failures/{peer_name}.txt lists unknown cases: {unknown}"


def test_enough_cases_per_mode() -> None:
    """The matrix keeps at least 40 distinct cases in each mode."""
    for mode in MODES:
        count = sum(mode in c.modes for c in CASES.values())
        assert count >= 40, f"only {count} cases in {mode} mode"
