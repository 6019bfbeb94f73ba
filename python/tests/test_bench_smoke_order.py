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

    def run_plan(plan: Any, args: Any, rows: list[Any], meta: Any) -> None:
        events.append("measure")

    monkeypatch.setattr(runner, "_setup_peers", setup_peers)
    monkeypatch.setattr(runner, "_run_plan", run_plan)
    monkeypatch.setattr(runner, "_plan", lambda *a, **k: None)
    monkeypatch.setattr(runner, "_import_times", lambda n: {})
    monkeypatch.setattr(runner, "_write", lambda *a: None)
    runner.main(["--quick", "--out", str(tmp_path / "out.json")])
    assert events[0] == "venvs built", events
    assert "measure" in events
    sys.modules.pop("rlaybench.runner", None)
