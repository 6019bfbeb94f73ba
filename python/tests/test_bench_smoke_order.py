"""bench-smoke builds the comparison venvs before it measures anything."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_quick_run_builds_the_venvs_before_measuring(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    from rlaybench import runner

    events: list[str] = []

    def setup_peers(args: Any) -> dict[str, dict[str, str]]:
        time.sleep(0.2)  # pip takes a while: nothing may be measured meanwhile
        events.append("venvs built")
        return {name: {"ok": "no", "reason": "test"} for name in runner.PEER_VENVS}

    def run_plan(plan: Any, args: Any, meta: Any) -> list[Any]:
        events.append("measure")
        return []

    monkeypatch.setattr(runner, "_setup_peers", setup_peers)
    monkeypatch.setattr(runner, "_run_plan", run_plan)
    monkeypatch.setattr(runner, "_plan", lambda *a, **k: runner.Plan())
    monkeypatch.setattr(runner, "_import_samples", lambda n: None)
    monkeypatch.setattr(runner, "_write", lambda *a: None)
    runner.main(["--quick", "--out", str(tmp_path / "out.json")])
    assert events[0] == "venvs built", events
    assert "measure" in events
    sys.modules.pop("rlaybench.runner", None)


def test_runs_3_keeps_each_rows_median_pass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    from rlaybench import runner

    times = iter([30.0, 10.0, 20.0])  # one row, three passes
    written: list[Any] = []

    def run_plan(plan: Any, args: Any, meta: Any) -> list[Any]:
        us = next(times)
        row = {"system": "raw socket echo", "mode": "", "transport": "unix"}
        return [{**row, "payload": "cartpole", "median_us": us, "cpu_us": us / 10}]

    samples = iter([[50.0, 40.0], [60.0, 70.0], [45.0, 55.0]])

    def import_samples(n: int) -> dict[str, list[float]]:
        ours = next(samples)
        return {"gymnasium": [100.0, 100.0], "rlay": ours}

    monkeypatch.setattr(
        runner, "_setup_peers", lambda args: {n: {"ok": "no"} for n in runner.PEER_VENVS}
    )
    monkeypatch.setattr(runner, "_run_plan", run_plan)
    monkeypatch.setattr(runner, "_plan", lambda *a, **k: runner.Plan())
    monkeypatch.setattr(runner, "_import_samples", import_samples)
    monkeypatch.setattr(runner, "_write", lambda out, rows, meta: written.append((rows, meta)))
    runner.main(["--runs", "3", "--out", str(tmp_path)])
    rows, meta = written[0]
    assert len(rows) == 1
    assert rows[0]["median_us"] == 20.0
    assert rows[0]["cpu_us"] == 2.0  # the median pass's own CPU, not a mix
    assert rows[0]["runs_us"] == [30.0, 10.0, 20.0]
    assert meta["runs"] == 3
    assert len(meta["pass_load"]) == 3
    assert meta["import_ms"]["rlay_over_gymnasium"] == 52.5  # median of all six samples
    assert (meta["reps"], meta["rep_seconds"]) == (3, 0.5)
    sys.modules.pop("rlaybench.runner", None)
