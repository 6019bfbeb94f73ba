"""pytest wiring of the conformance suite: options, the matrix, expected failures, report.

    pytest conformance                                  # every peer, both modes, tcp and unix
    pytest conformance --peer csharp --transport tcp    # one peer, one transport
    pytest conformance --report conformance-report.json

See README.md.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from runner import agent_cases as _agent_cases  # noqa: F401 - registers the multi-agent cases
from runner import cases as _cases  # noqa: F401 - registers the cases
from runner import raw_cases as _raw_cases  # noqa: F401 - registers the raw cases
from runner.cases import CASES, MODES
from runner.harness import Harness
from runner.peers import (
    ListenerPool,
    Peer,
    build,
    in_ci,
    load_expected_failures,
    load_registry,
    unix_dir,
)

TRANSPORTS = ("tcp", "unix", "ws")
OUTCOMES = ("passed", "failed", "xfailed", "xpassed", "skipped", "not-runnable")
# A skip with this prefix is a case the peer declared it cannot run (peers.toml).
NOT_RUNNABLE = "not runnable here: "
CASE_TIMEOUT = 120
ROWS_KEY = pytest.StashKey[dict[str, dict[str, str]]]()
RESULTS_KEY = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rlay conformance")
    group.addoption(
        "--peer",
        action="append",
        default=[],
        metavar="NAME",
        help="peer to test (repeatable; default: every peer in peers.toml)",
    )
    group.addoption(
        "--report",
        default=None,
        metavar="PATH",
        help="write a JSON list of {peer, mode, case, transport, outcome}",
    )
    group.addoption("--transport", choices=TRANSPORTS, default=None,
                    help="only this transport (default: all)")  # fmt: skip


def selected_peers(config: pytest.Config) -> list[Peer]:
    peers = load_registry()
    wanted = config.getoption("--peer")
    unknown = set(wanted) - {p.name for p in peers}
    if unknown:
        raise pytest.UsageError(f"unknown peer(s) {sorted(unknown)}; see conformance/peers.toml")
    return [p for p in peers if not wanted or p.name in wanted]


def pytest_configure(config: pytest.Config) -> None:
    config.stash[ROWS_KEY] = {}
    config.stash[RESULTS_KEY] = {}
    config.addinivalue_line("markers", "conformance: a case of the conformance matrix")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "combo" not in metafunc.fixturenames:
        if "peer_name" in metafunc.fixturenames:
            names = [p.name for p in selected_peers(metafunc.config)]
            metafunc.parametrize("peer_name", names)
        return
    transport = metafunc.config.getoption("--transport")
    transports = [transport] if transport else list(TRANSPORTS)
    combos, ids = [], []
    for peer in selected_peers(metafunc.config):
        for mode in MODES:
            for name, c in CASES.items():
                if mode not in c.modes:
                    continue
                for t in transports:
                    combos.append((peer, mode, name, t))
                    ids.append(f"{peer.name}:{mode}/{name}:{t}")
    metafunc.parametrize("combo", combos, ids=ids)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    expected = {p.name: load_expected_failures(p.name) for p in selected_peers(config)}
    rows = config.stash[ROWS_KEY]
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "combo" not in callspec.params:
            continue
        peer, mode, name, transport = callspec.params["combo"]
        rows[item.nodeid] = {"peer": peer.name, "mode": mode, "case": name, "transport": transport}
        item.add_marker(pytest.mark.timeout(CASE_TIMEOUT))
        reason = expected.get(peer.name, {}).get(f"{mode}/{name}")
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture(scope="session")
def pool() -> Any:
    directory = unix_dir()
    listeners = ListenerPool(directory)
    yield listeners
    listeners.close()
    for leftover in directory.iterdir():
        leftover.unlink()
    directory.rmdir()


@pytest.fixture(scope="session")
def builds() -> dict[str, str | None]:
    return {}


@pytest.fixture
def harness(combo: Any, pool: ListenerPool, builds: dict[str, str | None]) -> Any:
    peer, mode, _, transport = combo
    if peer.not_runnable and (mode not in peer.modes or transport not in peer.transports):
        pytest.skip(f"{NOT_RUNNABLE}{peer.not_runnable}")
    missing = peer.missing_toolchain()
    if missing:
        message = f"peer {peer.name}: toolchain not found: {', '.join(missing)}"
        if in_ci():
            pytest.fail(message + " (CI=true: a missing toolchain is an error)")
        pytest.skip(message)
    if transport not in peer.transports:
        pytest.skip(f"peer {peer.name} does not support {transport} (peers.toml)")
    if peer.name not in builds:
        builds[peer.name] = build(peer)
    if builds[peer.name] is not None:
        pytest.fail(f"peer {peer.name} did not build: {builds[peer.name]}")
    h = Harness(peer, mode, transport, pool)
    yield h
    h.cleanup()


# ------------------------------------------------------------------------------ results


def _outcome(report: pytest.TestReport) -> str | None:
    xfail = hasattr(report, "wasxfail")
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.skipped:
            if xfail:
                return "xfailed"
            return "not-runnable" if NOT_RUNNABLE in str(report.longrepr) else "skipped"
        if report.passed:
            return "xpassed" if xfail else "passed"
        if "XPASS(strict)" in str(report.longrepr):
            return "xpassed"
        return "failed"
    if report.when == "teardown" and report.failed:
        return "failed"
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    config = _CONFIG.get("config")
    if config is None or report.nodeid not in config.stash[ROWS_KEY]:
        return
    outcome = _outcome(report)
    if outcome is not None:
        results = config.stash[RESULTS_KEY]
        if not (report.when == "teardown" and results.get(report.nodeid) in {"xfailed"}):
            results[report.nodeid] = outcome


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def _records(config: pytest.Config) -> list[dict[str, str]]:
    rows, results = config.stash[ROWS_KEY], config.stash[RESULTS_KEY]
    return [dict(rows[nodeid], outcome=results[nodeid]) for nodeid in rows if nodeid in results]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    records = _records(config)
    if not records:
        return
    write = terminalreporter.write_line
    terminalreporter.section("rlay conformance: peer x mode")
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for r in records:
        counts[(r["peer"], r["mode"])][r["outcome"]] += 1
    write(f"{'peer':<12}{'mode':<8}" + "".join(f"{o:>13}" for o in OUTCOMES) + f"{'cases':>8}")
    for (peer, mode), c in sorted(counts.items()):
        cases = len({r["case"] for r in records if r["peer"] == peer and r["mode"] == mode})
        write(f"{peer:<12}{mode:<8}" + "".join(f"{c[o]:>13}" for o in OUTCOMES) + f"{cases:>8}")
    for peer in selected_peers(config):
        if peer.not_runnable and any(r["peer"] == peer.name for r in records):
            write(f"not runnable: {peer.name}: {peer.not_runnable}")
    terminalreporter.section("rlay conformance: cases")
    columns = sorted({(r["mode"], r["transport"]) for r in records})
    by_case: dict[tuple[str, str], dict[tuple[str, str], str]] = defaultdict(dict)
    for r in records:
        by_case[(r["peer"], r["case"])][(r["mode"], r["transport"])] = r["outcome"]
    width = max(len(name) for _, name in by_case) + 2
    write(f"{'peer':<10}{'case':<{width}}" + "".join(f"{m + '/' + t:>14}" for m, t in columns))
    for (peer, name), cells in sorted(by_case.items()):
        write(
            f"{peer:<10}{name:<{width}}" + "".join(f"{cells.get(col, '-'):>14}" for col in columns)
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--report")
    if path:
        Path(path).write_text(
            json.dumps(_records(session.config), indent=1) + "\n", encoding="utf-8"
        )
