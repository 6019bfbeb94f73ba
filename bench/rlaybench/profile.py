"""Where an rlay step's time goes: py-spy samples of both processes of one rlay case.

    python -m rlaybench.profile --payload cartpole [--mode ClientEnv] [--transport unix]

Runs the rlay case under ``py-spy record --gil --subprocesses`` (py-spy from the tools
virtualenv) and prints, per process, the time per step spent in each function while
holding the GIL (Python and C code called from it: protobuf, numpy). Time with the GIL
released (mostly the send/recv system calls and waiting) is not sampled; it is the
difference to the process's CPU per step, which the case reports. Only samples inside
the step loop count (the driver's ``measure``, the env side's ``EnvSession._serve_one``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

from rlaybench import harness, venvs

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")
GIL = [] if os.environ.get("RLAYBENCH_NOGIL") else ["--gil"]
ROOTS = {"driver": "measure (rlaybench/harness.py", "env": "EnvSession._serve_one ("}


def _function(frame: str, lines: bool) -> str:
    m = _FRAME.match(frame)
    if not m:
        return frame
    where = m["file"].split("site-packages/")[-1]
    return f"{m['func']} ({where}:{m['line']})" if lines else f"{m['func']} ({where})"


def _parse(path: str) -> dict[str, list[tuple[list[str], int]]]:
    """role -> [(frames under the step-loop root, count)].

    Two processes: the driver (agent side) and the env side. The loopback case runs
    both sides in one thread: frames under ``EnvSession._serve_one`` are the env side's.
    """
    out: dict[str, list[tuple[list[str], int]]] = {"driver": [], "env": []}
    with open(path) as fh:
        for line in fh:
            stack, count = line.rstrip("\n").rsplit(" ", 1)
            frames = stack.split(";")
            procs = [i for i, f in enumerate(frames) if f.startswith("process ")]
            own = frames[procs[-1] + 1 :] if procs else frames
            role = "env" if procs and "--side env" in frames[procs[-1]] else "driver"
            env_roots = [i for i, f in enumerate(own) if f.startswith(ROOTS["env"])]
            if role == "driver" and env_roots:
                role, own = "env", own[env_roots[0] :]
            roots = [i for i, f in enumerate(own) if f.startswith(ROOTS[role])]
            if roots:
                out[role].append((own[roots[0] :], int(count)))
    return out


def report(path: str, rate: float, steps: int, top: int = 18) -> str:
    lines = []
    scale = 1e6 / rate / steps  # µs per step for one sample
    for role, samples in _parse(path).items():
        total = sum(c for _, c in samples)
        inclusive: Counter[str] = Counter()
        exclusive: Counter[str] = Counter()
        for frames, count in samples:
            for name in {_function(f, False) for f in frames[1:]}:
                inclusive[name] += count
            exclusive[_function(frames[-1], True)] += count
        lines.append(f"== {role}: {total * scale:.1f} µs/step holding the GIL ({total} samples)")
        lines.append("  inclusive (function: µs/step)")
        for name, count in inclusive.most_common(top):
            lines.append(f"    {count * scale:8.1f}  {name}")
        lines.append("  exclusive (line: µs/step)")
        for name, count in exclusive.most_common(top):
            lines.append(f"    {count * scale:8.1f}  {name}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payload", default="cartpole")
    parser.add_argument("--mode", default="ClientEnv")
    parser.add_argument("--transport", default="unix")
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of the timed run")
    parser.add_argument(
        "--loopback", action="store_true", help="profile the one-thread loopback case instead"
    )
    parser.add_argument(
        "--components", action="store_true", help="time each piece of a step in one process"
    )
    args = parser.parse_args(argv)
    if args.components:
        from rlaybench.components import report as components_report

        print(components_report(args.payload))
        return 0
    tools = venvs.ensure("tools")
    if tools.get("ok") != "yes":
        print(f"py-spy unavailable: {tools.get('reason')}", file=sys.stderr)
        return 1
    pyspy = str(venvs.VENV_ROOT / "tools" / "bin" / "py-spy")
    fd, out = tempfile.mkstemp(prefix="rlaybench-profile-", suffix=".txt")
    os.close(fd)
    cmd = [pyspy, "record", *GIL, "--subprocesses", "-r", str(args.rate), "-f", "raw"]
    case = "rlay_loopback" if args.loopback else "rlay_case"
    cmd += ["-o", out, "--", sys.executable, "-m", f"rlaybench.cases.{case}"]
    cmd += ["--payload", args.payload, "--mode", args.mode, "--transport", args.transport]
    cmd += ["--reps", "1", "--rep-seconds", str(args.seconds)]
    path = os.pathsep.join(p for p in (str(harness.BENCH_DIR), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    rows = [
        json.loads(line[len(harness.RESULT_TAG) :])
        for line in res.stdout.splitlines()
        if line.startswith(harness.RESULT_TAG)
    ]
    if not rows:
        print(res.stdout[-2000:], res.stderr[-2000:], file=sys.stderr)
        return 1
    row = rows[0]
    steps = row["steps_per_rep"] + row["warmup_steps"]
    print(
        f"rlay {row['mode']} {row['transport']} {args.payload}: {row['median_us']:.1f} µs/step "
        f"under the profiler; CPU/step driver {row['cpu_driver_us']:.1f} µs, "
        f"env side {row['cpu_peer_us']:.1f} µs; {steps} steps sampled at {args.rate:g} Hz"
    )
    print(report(out, args.rate, steps))
    os.unlink(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
