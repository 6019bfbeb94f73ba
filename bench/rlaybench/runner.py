"""The orchestrator behind bench/run.py: builds the case list, runs each case as its own
driver process (in the right interpreter), and writes the results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlaybench import harness, report, venvs
from rlaybench.payloads import PAYLOADS

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

BENCH = harness.BENCH_DIR
RESULTS = BENCH / "results"
PEER_VENVS = ("mlagents", "dmenvrpc", "godotrl", "rlay001")


@dataclass
class Case:
    """One measurement: a driver module run by an interpreter with arguments."""

    name: str
    module: str
    python: str
    payload: str
    args: list[str] = field(default_factory=list)
    #: Run while another process keeps one core busy (the loaded-core rows).
    busy: bool = False

    def command(self) -> list[str]:
        return [self.python, "-m", self.module, "--payload", self.payload, *self.args]


@dataclass
class Plan:
    cases: list[Case] = field(default_factory=list)
    omitted: list[dict[str, str]] = field(default_factory=list)

    def omit(
        self, system: str, payload: str, reason: str, mode: str = "", transport: str = ""
    ) -> None:
        self.omitted.append(
            {
                "system": system,
                "mode": mode,
                "transport": transport,
                "payload": payload,
                "reason": reason,
            }
        )


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short smoke run (no thresholds)")
    parser.add_argument("--only", default="", help="regex on system/mode/transport/payload")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers' virtualenvs")
    parser.add_argument("--out", type=Path, default=None, help="results directory")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--rep-seconds", type=float, default=None)
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="passes over every case, interleaved; each row is the median pass",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.out is None:
        args.out = RESULTS / "quick" if args.quick else RESULTS
    if args.reps is None:
        # Three passes of 3 x 0.5 s fit a full run in about 30 minutes on 2 cores.
        args.reps = 3 if args.quick or args.runs > 1 else 5
    if args.rep_seconds is None:
        args.rep_seconds = 0.05 if args.quick else 0.5 if args.runs > 1 else 1.0
    return args


def _timing_args(args: argparse.Namespace) -> list[str]:
    warmup, min_steps = (0.02, 1) if args.quick else (0.3, 3)
    return [
        "--reps", str(args.reps), "--rep-seconds", str(args.rep_seconds),
        "--warmup-seconds", str(warmup), "--min-steps", str(min_steps),
    ]  # fmt: skip


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ setup


def _rlay_status(python: str) -> tuple[str, list[str]]:
    """("", rlay's transports) when rlay's agent side and host import here, else the reason."""
    probe = (
        "import rlay, rlay.host, rlay.address; rlay.ClientEnv; rlay.ServerEnv; "
        "rlay.ClientVectorEnv; print(' '.join(rlay.address.SCHEMES))"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=120)
    if out.returncode == 0:
        schemes = out.stdout.split()
        return "", [t for t in ("unix", "shm", "tcp", "grpc", "ws") if t in schemes]
    return (out.stderr.strip().splitlines() or ["import failed"])[-1], []


def _setup_peers(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    if args.no_peers:
        return {name: {"ok": "no", "reason": "--no-peers"} for name in PEER_VENVS}
    missing = [n for n in PEER_VENVS if venvs.status(n).get("ok") != "yes"]
    if missing:
        _log(f"building virtualenvs {', '.join(missing)} under {venvs.VENV_ROOT} (once) ...")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(PEER_VENVS, pool.map(venvs.ensure, PEER_VENVS), strict=True))
    for name, res in results.items():
        if res.get("ok") != "yes":
            _log(f"  {name}: cannot be built, its rows are skipped: {res.get('reason')}")
    return results


def _descriptors(peers: dict[str, dict[str, str]]) -> str:
    """ML-Agents' message descriptors, dumped by its own venv (for stubs and grpc_unary)."""
    if peers["mlagents"].get("ok") != "yes":
        return ""
    cmd = [str(venvs.python_of("mlagents")), "-m", "rlaybench.cases.mlagents", "--dump-descriptors"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=_env(), cwd=BENCH)
    return out.stdout.strip() if out.returncode == 0 else ""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(BENCH), "PYTHONDONTWRITEBYTECODE": "1"}


# ------------------------------------------------------------------------------ plan


def _plan(
    args: argparse.Namespace,
    peers: dict[str, dict[str, str]] | None,
    desc: str,
    *,
    own: bool = True,
) -> Plan:
    """The cases: limits, rlay and the conformance peers when ``own``; the peers' shapes
    when ``peers`` is given (their venvs' states)."""
    plan = Plan()
    main_py = sys.executable
    timing = _timing_args(args)
    rlay_problem, transports = _rlay_status(main_py)

    def peer_py(name: str) -> str | None:
        assert peers is not None
        return str(venvs.python_of(name)) if peers[name].get("ok") == "yes" else None

    def add(name: str, module: str, python: str, payload: str, *extra: str) -> None:
        plan.cases.append(Case(name, module, python, payload, [*extra, *timing]))
        if payload == "cartpole" and _loaded(name, args.quick):
            plan.cases.append(Case(name, module, python, payload, [*extra, *timing], busy=True))

    for payload in PAYLOADS:
        batched = PAYLOADS[payload].batched
        if own:
            # ws rows (a WebSocket per step) run in full runs: the smoke run stays short.
            own_transports = [t for t in transports if t != "ws"] if args.quick else transports
            _plan_own(plan, add, payload, main_py, rlay_problem, own_transports)
        if peers is None:
            continue
        if args.quick and payload != "cartpole":
            plan.omit("peers", payload, "--quick runs the peers with the 4-float payload only")
        else:
            _plan_peers(plan, add, peers, peer_py, payload, batched, desc, main_py)
    if own:
        _plan_conformance_peers(plan, add, args.quick)
        _plan_cpp_echo(plan, add, args.quick)
        if not rlay_problem:
            _plan_multi_agent(add, args.quick, main_py, transports)
        _plan_godot_engine(plan, add, args.quick)
    pattern = re.compile(args.only) if args.only else None
    if pattern is not None:
        plan.cases = [c for c in plan.cases if pattern.search(f"{c.name}/{c.payload}")]
    return plan


def _loaded(name: str, quick: bool) -> bool:
    """Whether a 4-float case also runs beside a process that keeps one core busy."""
    if quick:
        return name == "rlay/ClientEnv/shm"
    return name == "raw/unix" or name.startswith(("rlay/ClientEnv/", "rlay/ServerEnv/", "rlay001/"))


def _plan_own(
    plan: Plan, add: Any, payload: str, main_py: str, rlay_problem: str, transports: list[str]
) -> None:
    """The limits and rlay's own rows for one payload."""
    add("in-process", "rlaybench.cases.inproc", main_py, payload)
    for transport in ("unix", "tcp"):
        add(
            f"raw/{transport}",
            "rlaybench.cases.raw",
            main_py,
            payload,
            "--transport",
            transport,
        )
    if rlay_problem:
        plan.omit("rlay", payload, f"rlay is not usable here: {rlay_problem}", "loopback")
    else:
        add("rlay/loopback", "rlaybench.cases.rlay_loopback", main_py, payload)
    for mode in ("ClientEnv", "ServerEnv"):
        for transport in transports or ["unix", "tcp", "grpc"]:
            if rlay_problem:
                plan.omit(
                    "rlay", payload, f"rlay is not usable here: {rlay_problem}", mode, transport
                )
                continue
            add(f"rlay/{mode}/{transport}", "rlaybench.cases.rlay_case", main_py, payload,
                "--mode", mode, "--transport", transport)  # fmt: skip


def _plan_peers(plan: Plan, add: Any, peers: Any, peer_py: Any, payload: str, batched: bool,
                desc: str, main_py: str) -> None:  # fmt: skip
    def unavailable(system: str, venv: str) -> None:
        plan.omit(system, payload, f"virtualenv {venv} unavailable: {peers[venv].get('reason')}")

    py = peer_py("mlagents")
    if py and desc:
        add("ML-Agents", "rlaybench.cases.mlagents", py, payload, "--stub-python", main_py)
        add("grpc-unary", "rlaybench.cases.grpc_unary", main_py, payload, "--descriptors", desc)
    else:
        unavailable("ML-Agents", "mlagents")
    py = peer_py("dmenvrpc")
    if batched:
        plan.omit("dm_env_rpc", payload, "no batch of sub-environments in one connection "
                  "(its multi-agent form is one connection per agent)")  # fmt: skip
    elif py:
        add("dm_env_rpc", "rlaybench.cases.dmenvrpc", py, payload)
    else:
        unavailable("dm_env_rpc", "dmenvrpc")
    py = peer_py("godotrl")
    if py:
        add("Godot RL Agents", "rlaybench.cases.godotrl", py, payload)
    else:
        unavailable("Godot RL Agents", "godotrl")
    py = peer_py("rlay001")
    for mode in ("ClientEnv", "ServerEnv"):
        if batched:
            plan.omit("rlay 0.0.1", payload, "rlay 0.0.1 has no batched env", mode, "mmap")
        elif py:
            add(f"rlay001/{mode}", "rlaybench.cases.rlay001", py, payload, "--mode", mode)
        else:
            unavailable("rlay 0.0.1", "rlay001")


def _build_peer(peer: dict[str, Any], root: Path) -> str:
    """Build a conformance peer as the suite does; empty on success, else the reason."""
    missing = [tool for tool in peer.get("toolchain", []) if shutil.which(tool) is None]
    if missing:
        return f"toolchain not installed: {', '.join(missing)}"
    workdir = root / peer.get("workdir", ".")
    for command in peer.get("build", []):
        line = command.replace("{python}", sys.executable).replace("{root}", str(root))
        res = subprocess.run(
            line, shell=True, cwd=workdir, capture_output=True, text=True, timeout=600
        )
        if res.returncode != 0:
            tail = " | ".join((res.stdout + res.stderr).strip().splitlines()[-3:])
            return f"build failed ({line}): {tail}"
    return ""


def _plan_multi_agent(add: Any, quick: bool, main_py: str, transports: list[str]) -> None:
    """16 agents in 2 behaviours (cases/multi_agent.py), over unix and shm."""
    for mode in ["ClientEnv"] if quick else ["ClientEnv", "ServerEnv"]:
        for transport in ("unix", "shm"):
            if transport in transports:
                add(f"rlay-multi-agent/{mode}/{transport}", "rlaybench.cases.multi_agent",
                    main_py, "cartpole", "--mode", mode, "--transport", transport)  # fmt: skip


def _plan_conformance_peers(plan: Plan, add: Any, quick: bool) -> None:
    """rlay against each binding's conformance peer (Python reference, C# under mono)."""
    root = BENCH.parent
    registry = root / "conformance" / "peers.toml"
    if not registry.exists() or tomllib is None:
        why = "needs Python >= 3.11 (tomllib)" if tomllib is None else f"no {registry}"
        plan.omit("conformance peers", "conf-infos", why)
        return
    peers = {p["name"]: p for p in tomllib.loads(registry.read_text()).get("peer", [])}
    if "csharp" not in peers:
        plan.omit("C# peer (mono)", "conf-infos", "no csharp peer in conformance/peers.toml yet")
    payloads = ["conf-infos"] if quick else ["conf-infos", "conf-large"]
    modes = ["ClientEnv"] if quick else ["ClientEnv", "ServerEnv"]
    for name in ("python", "csharp", "cpp"):
        peer = peers.get(name)
        if peer is None:
            continue
        problem = _build_peer(peer, root)
        if problem:
            for payload in payloads:
                plan.omit(f"{name} conformance peer", payload, problem)
            continue
        run = [
            part.replace("{python}", sys.executable).replace("{root}", str(root))
            for part in peer["run"]
        ]
        for payload in payloads:
            for mode in modes:
                add(f"conformance-peer/{name}/{mode}", "rlaybench.cases.conf_peers",
                    sys.executable, payload, "--peer", name, "--peer-run", json.dumps(run),
                    "--peer-workdir", str(root / peer.get("workdir", ".")),
                    "--mode", mode, "--transport", "unix")  # fmt: skip
        if name == "csharp":  # many instances on one machine (cases/instances.py)
            add("instances/csharp", "rlaybench.cases.instances", sys.executable, "cartpole",
                "--peer-run", json.dumps(run), "--peer-workdir", str(root / peer["workdir"]),
                *(["--counts", "1", "2"] if quick else []))  # fmt: skip


def _plan_cpp_echo(plan: Plan, add: Any, quick: bool) -> None:
    """rlay against the echo env hosted by the C++ core (built with the cpp peer)."""
    root = BENCH.parent
    registry = root / "conformance" / "peers.toml"
    payloads = ["cartpole"] if quick else ["cartpole", "image", "large"]
    if tomllib is None:
        for payload in payloads:
            plan.omit("C++ env side (RlayCore)", payload, "needs Python >= 3.11 (tomllib)")
        return
    peers = {p["name"]: p for p in tomllib.loads(registry.read_text()).get("peer", [])}
    peer = peers.get("cpp")
    problem = _build_peer(peer, root) if peer is not None else "no cpp peer in peers.toml"
    if problem:
        for payload in payloads:
            plan.omit("C++ env side (RlayCore)", payload, problem)
        return
    host = str(root / "cpp-unreal" / "build" / "peer" / "rlay_echo_host")
    for payload in payloads:
        for mode in ["ClientEnv"] if quick else ["ClientEnv", "ServerEnv"]:
            add(f"cpp-echo/{mode}", "rlaybench.cases.cpp_echo", sys.executable, payload,
                "--host", host, "--mode", mode, "--transport", "unix")  # fmt: skip


def _plan_godot_engine(plan: Plan, add: Any, quick: bool) -> None:
    """rlay's ServerEnv over ws:// against GDScript in the Godot 4.6 web engine."""
    if quick:
        plan.omit("Godot peer (web engine)", "cartpole", "full runs only (starts a browser)")
        return
    root = BENCH.parent
    registry = root / "conformance" / "peers.toml"
    if tomllib is None or not registry.exists():
        plan.omit("Godot peer (web engine)", "cartpole", "needs tomllib and conformance/peers.toml")
        return
    peers = {p["name"]: p for p in tomllib.loads(registry.read_text()).get("peer", [])}
    peer = peers.get("godot")
    problem = _build_peer(peer, root) if peer is not None else "no godot peer in peers.toml"
    for payload in ("cartpole", "image"):
        if problem:
            plan.omit("Godot peer (web engine)", payload, problem)
        else:
            add("godot-engine/ServerEnv/ws", "rlaybench.cases.godot_engine", sys.executable,
                payload)  # fmt: skip


# ------------------------------------------------------------------------------ run


def _run_case(case: Case, timeout: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """(rows, skips, error text) of one case."""
    burner = None
    if case.busy:
        # Another process that wants a whole core, at the same priority as the case.
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        out = subprocess.run(
            case.command(), capture_output=True, text=True, timeout=timeout, env=_env(), cwd=BENCH
        )
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-400:]
        return [], [], f"timed out after {timeout:g} s {tail!r}"
    finally:
        if burner is not None:
            burner.kill()
            burner.wait(timeout=10)
    rows, skips = [], []
    for line in out.stdout.splitlines():
        if line.startswith(harness.RESULT_TAG):
            rows.append(json.loads(line[len(harness.RESULT_TAG) :]))
        elif line.startswith(harness.SKIP_TAG):
            skips.append(json.loads(line[len(harness.SKIP_TAG) :]))
    if case.busy:
        for row in rows + skips:
            row["system"] += report.BUSY
            row["load"] = "another process keeps one core busy"
    if rows or skips:
        return rows, skips, ""
    tail = " | ".join(out.stderr.strip().splitlines()[-4:])
    return [], [], f"exit code {out.returncode}: {tail}"


_IMPORTS = (
    "import time; t0 = time.perf_counter(); import gymnasium; t1 = time.perf_counter(); "
    "import rlay; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)


def _import_samples(runs: int) -> dict[str, list[float]] | None:
    """ms of ``import gymnasium`` and of ``import rlay`` after it, each run in a fresh
    interpreter (bytecode cached, as an installed package has it)."""
    gym, ours = [], []
    for _ in range(runs + 1):  # the first run may write the bytecode caches
        out = subprocess.run(
            [sys.executable, "-c", _IMPORTS], capture_output=True, text=True, timeout=120
        )
        if out.returncode != 0:
            _log("import time not measured: " + out.stderr.strip()[-300:])
            return None
        first, second = (float(x) * 1e3 for x in out.stdout.split())
        gym.append(first)
        ours.append(second)
    return {"gymnasium": gym[1:], "rlay": ours[1:]}


def _import_times(passes: list[dict[str, list[float]] | None]) -> dict[str, float] | None:
    """Medians over the samples of every pass (one per pass, between the cases)."""
    if not passes or any(p is None for p in passes):
        return None
    gym = [x for p in passes if p is not None for x in p["gymnasium"]]
    ours = [x for p in passes if p is not None for x in p["rlay"]]
    return {
        "gymnasium": round(statistics.median(gym), 2),
        "rlay_over_gymnasium": round(statistics.median(ours), 2),
        "both": round(statistics.median(a + b for a, b in zip(gym, ours, strict=True)), 2),
        "runs": len(gym),
    }


def median_rows(passes: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per case: the pass whose time is the median of the passes' (the lower
    middle one for an even count), so its CPU, throughput and repetitions belong to
    that time. ``runs_us`` keeps every pass's median time, in pass order.

    >>> a = [{"system": "s", "mode": "m", "transport": "t", "payload": "p", "median_us": 3.0}]
    >>> b = [{**a[0], "median_us": 1.0}]
    >>> c = [{**a[0], "median_us": 2.0}]
    >>> [(r["median_us"], r["runs_us"]) for r in median_rows([a, b, c])]
    [(2.0, [3.0, 1.0, 2.0])]
    """
    order: list[tuple[str, ...]] = []
    found: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for rows in passes:
        for row in rows:
            key = (row["system"], row["mode"], row["transport"], row["payload"])
            if key not in found:
                order.append(key)
                found[key] = []
            found[key].append(row)
    out = []
    for key in order:
        rows = found[key]
        ranked = sorted(rows, key=lambda r: float(r["median_us"]))
        chosen = dict(ranked[(len(ranked) - 1) // 2])
        if len(passes) > 1:
            chosen["runs_us"] = [round(float(r["median_us"]), 3) for r in rows]
        out.append(chosen)
    return out


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str]) -> int:
    args = _parse(argv)
    t0 = time.time()
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t0)),
        "quick": args.quick,
        "runs": args.runs,
        "reps": args.reps,
        "rep_seconds": args.rep_seconds,
        "machine": _machine(),
        "load_before": _loadavg(),
        "command": "python bench/run.py " + " ".join(argv),
    }
    meta["omitted"], meta["errors"] = [], []
    rows: list[dict[str, Any]] = []
    desc = ""
    # Build the peers' venvs first, also for the smoke run: pip working beside a
    # measurement made the first run on a fresh machine 10-100x off.
    peers = _setup_peers(args)
    desc = _descriptors(peers)
    plan = _plan(args, peers, desc)
    meta["omitted"] += plan.omitted
    passes: list[list[dict[str, Any]]] = []
    imports: list[dict[str, list[float]] | None] = []
    per_pass = 3 if args.quick else max(5, 15 // args.runs)
    for run in range(args.runs):
        meta.setdefault("pass_load", []).append(_loadavg())
        if args.runs > 1:
            _log(f"pass {run + 1} of {args.runs} (load average {_loadavg()})")
        passes.append(_run_plan(plan, args, meta))
        imports.append(_import_samples(per_pass))
    rows += median_rows(passes)
    meta["venvs"] = {
        k: {"ok": v.get("ok"), "reason": v.get("reason", "")} for k, v in peers.items()
    }
    if desc:
        Path(desc).unlink(missing_ok=True)
    meta["import_ms"] = _import_times(imports)
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    meta["load_after"] = _loadavg()
    meta["libraries"] = {r["system"]: r["library"] for r in rows if r.get("library")}
    report.add_ratios(rows)
    _write(args.out, rows, meta)
    if not args.quick and not args.only and args.out == RESULTS:
        readme = BENCH / "README.md"
        readme.write_text(report.update_readme(readme.read_text(), rows, meta))
    _log(f"done in {time.time() - t0:.0f} s: {len(rows)} rows in {args.out}")
    return 1 if meta["errors"] and not rows else 0


def _run_plan(plan: Plan, args: argparse.Namespace, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """One pass over every case: its rows (skips and errors go to ``meta``, once each)."""
    rows: list[dict[str, Any]] = []
    case_timeout = 90.0 if args.quick else 240.0
    for i, case in enumerate(plan.cases, 1):
        started = time.monotonic()
        got, skips, error = _run_case(case, case_timeout)
        rows += got
        meta["omitted"] += [s for s in skips if s not in meta["omitted"]]
        took = time.monotonic() - started
        summary = ", ".join(f"{r['median_us']:.1f} µs" for r in got) or (
            "skipped" if skips else "ERROR " + error
        )
        busy = report.BUSY if case.busy else ""
        _log(f"[{i}/{len(plan.cases)}] {case.name}{busy} {case.payload}: {summary} ({took:.1f} s)")
        if error:
            meta["errors"].append(
                {"system": case.name, "payload": case.payload, "reason": "failed: " + error}
            )
    return rows


def _write(out: Path, rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(rows, indent=1) + "\n")
    (out / "latest.meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    (out / "latest.md").write_text(report.render(rows, meta))
    _plots(out)


def _plots(out: Path) -> None:
    """Plots need matplotlib: here, or else in the tools virtualenv."""
    try:
        import matplotlib  # noqa: F401

        python = sys.executable
    except ImportError:
        tools = venvs.ensure("tools")
        if tools.get("ok") != "yes":
            _log(f"plots skipped: matplotlib is missing ({tools.get('reason')})")
            return
        python = str(venvs.python_of("tools"))
    cmd = [python, "-m", "rlaybench.plots", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=_env(), cwd=BENCH)
    if res.returncode != 0:
        _log("plots failed: " + res.stderr.strip()[-400:])
