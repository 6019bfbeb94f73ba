"""Timing loop, CPU accounting and process plumbing shared by every case.

A case runs as a *driver* process (the agent side, which is timed) that starts the
other side as its child. Per repetition the driver times N steps with a monotonic
clock; CPU time is counted for the driver (``time.process_time``, all threads) and for
every live descendant (``/proc/PID/stat`` utime + stime, all threads), so "CPU per
step" is the sum over both processes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlaybench.payloads import PAYLOADS, Payload

BENCH_DIR = Path(__file__).resolve().parent.parent
_CLK_TCK = os.sysconf("SC_CLK_TCK")
RESULT_TAG = "RESULT "
SKIP_TAG = "SKIP "
READY_TAG = "READY "


@dataclass(frozen=True)
class Config:
    """How long to measure: ``reps`` repetitions of about ``rep_seconds`` each."""

    reps: int = 5
    rep_seconds: float = 1.0
    warmup_seconds: float = 0.3
    min_steps: int = 3
    max_steps: int = 5_000_000


def run_case(description: str | None, env_side: Any, driver: Any) -> None:
    """A case's command line: parse the arguments run.py passes, run the side asked for."""
    parser = argparse.ArgumentParser(description=description)
    add_common_args(parser)
    args = parser.parse_args()
    (env_side if args.side == "env" else driver)(args, PAYLOADS[args.payload])


def add_common_args(
    parser: argparse.ArgumentParser, payloads: dict[str, Payload] | None = None
) -> None:
    """The arguments run.py passes to every case."""
    parser.add_argument("--side", choices=("driver", "env"), default="driver")
    parser.add_argument(
        "--payload", choices=sorted(payloads or PAYLOADS), default=next(iter(payloads or PAYLOADS))
    )
    parser.add_argument("--mode", default="")
    parser.add_argument("--transport", default="")
    parser.add_argument("--address", default="")
    parser.add_argument("--reps", type=int, default=Config.reps)
    parser.add_argument("--rep-seconds", type=float, default=Config.rep_seconds)
    parser.add_argument("--warmup-seconds", type=float, default=Config.warmup_seconds)
    parser.add_argument("--min-steps", type=int, default=Config.min_steps)
    parser.add_argument("--max-steps", type=int, default=Config.max_steps)


def config_from(args: argparse.Namespace) -> Config:
    return Config(args.reps, args.rep_seconds, args.warmup_seconds, args.min_steps, args.max_steps)


def forward_args(args: argparse.Namespace, **overrides: str) -> list[str]:
    """The common arguments again, for the env side of the same case."""
    values = {
        "payload": args.payload,
        "mode": args.mode,
        "transport": args.transport,
        "address": args.address,
    }
    values.update(overrides)
    out = ["--side", "env"]
    for key, value in values.items():
        out += [f"--{key}", str(value)]
    return out


# ------------------------------------------------------------------------------ CPU


def _proc_table() -> dict[int, tuple[int, float, float]]:
    """pid -> (ppid, user cpu seconds, system cpu seconds) for every process we can read."""
    if not os.path.isdir("/proc"):
        return _psutil_table()
    table: dict[int, tuple[int, float, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                raw = fh.read()
        except OSError:
            continue  # the process ended meanwhile
        fields = raw[raw.rfind(b")") + 2 :].split()
        # fields[0] is state (stat field 3): ppid is field 4, utime 14, stime 15
        table[int(entry.name)] = (
            int(fields[1]),
            int(fields[11]) / _CLK_TCK,
            int(fields[12]) / _CLK_TCK,
        )
    return table


def _psutil_table() -> dict[int, tuple[int, float, float]]:
    """The same table without /proc (macOS): psutil, or nothing when it is missing."""
    try:
        import psutil
    except ImportError:
        return {}
    table: dict[int, tuple[int, float, float]] = {}
    for proc in psutil.process_iter(["ppid", "cpu_times"]):
        times = proc.info["cpu_times"]
        if times is not None:
            table[proc.pid] = (proc.info["ppid"], times.user, times.system)
    return table


def descendants_cpu(root: int | None = None) -> tuple[float, float]:
    """(user, system) CPU seconds used so far by all live descendants of ``root``
    (default: this process)."""
    root = os.getpid() if root is None else root
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    user = system = 0.0
    stack = list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        user += table[pid][1]
        system += table[pid][2]
        stack.extend(children.get(pid, ()))
    return user, system


def own_cpu() -> tuple[float, float]:
    """(user, system) CPU seconds of this process, all threads."""
    times = os.times()
    return times.user, times.system


# ------------------------------------------------------------------------------ timing


@dataclass
class Measurement:
    """Per-repetition wall time per step, and CPU per step over all repetitions."""

    rep_us: list[float]
    steps_per_rep: int
    cpu_driver_us: float
    cpu_peer_us: float
    warmup_steps: int = 0
    cpu_system_us: float = 0.0
    rep_cpu_us: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        median = statistics.median(self.rep_us)
        mean_cpu = self.cpu_driver_us + self.cpu_peer_us
        # The median of the per-repetition CPU, to pair with the median time (a stalled
        # repetition moves neither); the mean over all steps is kept as cpu_mean_us.
        cpu = statistics.median(self.rep_cpu_us) if self.rep_cpu_us else mean_cpu
        return {
            "median_us": round(median, 3),
            "min_us": round(min(self.rep_us), 3),
            "max_us": round(max(self.rep_us), 3),
            "reps_us": [round(x, 3) for x in self.rep_us],
            "steps_per_rep": self.steps_per_rep,
            "warmup_steps": self.warmup_steps,
            "cpu_us": round(cpu, 3),
            "cpu_mean_us": round(mean_cpu, 3),
            "reps_cpu_us": [round(x, 3) for x in self.rep_cpu_us],
            "cpu_driver_us": round(self.cpu_driver_us, 3),
            "cpu_peer_us": round(self.cpu_peer_us, 3),
            "cpu_system_us": round(self.cpu_system_us, 3),
            "steps_per_s": round(1e6 / median, 1),
        }


def measure(step: Callable[[int], object], config: Config) -> Measurement:
    """Warm up, pick N so one repetition lasts about ``rep_seconds``, time the reps."""
    i = 0
    start = time.perf_counter()
    while i < 1 or time.perf_counter() - start < config.warmup_seconds:
        step(i)
        i += 1
    per_step = (time.perf_counter() - start) / i
    warmup_steps = i
    n = int(min(config.max_steps, max(config.min_steps, config.rep_seconds / per_step)))
    rep_us: list[float] = []
    rep_cpu: list[float] = []
    cpu_self = cpu_peer = cpu_sys = 0.0
    for _ in range(config.reps):
        gc.collect()
        peer0, self0, times0 = descendants_cpu(), time.process_time(), own_cpu()
        t0 = time.perf_counter_ns()
        for _ in range(n):
            step(i)
            i += 1
        t1 = time.perf_counter_ns()
        self1, times1, peer1 = time.process_time(), own_cpu(), descendants_cpu()
        rep_us.append((t1 - t0) / 1e3 / n)
        rep_cpu.append((self1 - self0 + sum(peer1) - sum(peer0)) * 1e6 / n)
        cpu_self += self1 - self0
        cpu_peer += sum(peer1) - sum(peer0)
        cpu_sys += (times1[1] - times0[1]) + (peer1[1] - peer0[1])
    scale = 1e6 / (n * config.reps)
    return Measurement(
        rep_us, n, cpu_self * scale, cpu_peer * scale, warmup_steps, cpu_sys * scale, rep_cpu
    )


def emit(
    system: str,
    mode: str,
    transport: str,
    payload: Payload,
    measurement: Measurement,
    **extra: Any,
) -> None:
    """Print the result row run.py collects."""
    row: dict[str, Any] = {
        "system": system,
        "mode": mode,
        "transport": transport,
        "payload": payload.name,
    }
    row.update(measurement.summary())
    row["num_envs"] = payload.num_envs
    row["agent_steps_per_s"] = round(row["steps_per_s"] * payload.num_envs, 1)
    row["obs_bytes"] = payload.obs_bytes
    row["bytes_per_s"] = round(row["steps_per_s"] * payload.obs_bytes, 1)
    row.update(extra)
    print(RESULT_TAG + json.dumps(row), flush=True)


def skip(system: str, mode: str, transport: str, payload: Payload, reason: str) -> None:
    """Report that this system cannot run this payload, and why (no row is made)."""
    row = {
        "system": system,
        "mode": mode,
        "transport": transport,
        "payload": payload.name,
        "reason": reason,
    }
    print(SKIP_TAG + json.dumps(row), flush=True)


# ------------------------------------------------------------------------------ processes


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the driver dies, so no side outlives its case
    (rlay 0.0.1's env side, for one, would busy-wait forever)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class Side:
    """The other side of a case, a child process; its stderr is kept for error messages."""

    def __init__(
        self, cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None
    ) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=cwd or str(BENCH_DIR),
            preexec_fn=_die_with_parent,
        )

    def wait_ready(self, timeout: float = 60.0) -> str:
        """The text after the side's READY line (e.g. its bound address)."""
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        buf = b""
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise TimeoutError(f"the env side was not ready in {timeout:g} s{self.tail()}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"the env side exited before it was ready{self.tail()}")
            buf += chunk
        line = buf.split(b"\n", 1)[0].decode()
        if not line.startswith(READY_TAG):
            raise RuntimeError(f"unexpected line from the env side: {line!r}{self.tail()}")
        return line[len(READY_TAG) :]

    def tail(self, lines: int = 8) -> str:
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip().splitlines()[-lines:]
        return ("\n  stderr: " + "\n  ".join(text)) if text else ""

    def stop(self, timeout: float = 5.0) -> None:
        """Wait for a clean exit; end the child if it does not come."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()


def side_command(module: str, args: argparse.Namespace, **overrides: str) -> list[str]:
    """This interpreter running ``module`` as the env side of the same case."""
    return [sys.executable, "-m", module, *forward_args(args, **overrides)]


def announce_ready(text: str = "") -> None:
    """Tell the driver this side is ready, then stop writing to the pipe it reads."""
    sys.stdout.write(READY_TAG + text + "\n")
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def unix_path(tag: str) -> str:
    """A fresh Unix socket path (short, as sun_path is 108 bytes)."""
    return os.path.join(tempfile.gettempdir(), f"rlaybench-{tag}-{os.getpid()}.sock")
