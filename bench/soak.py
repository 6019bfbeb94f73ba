"""Soak: a long run in each dial direction over a Unix socket, with both processes' memory.

ClientEnv dials ``rlay serve CartPole-v1``; ServerEnv launches ``rlay dial CartPole-v1``.
Each direction steps ``--steps`` times (10^6 by default; episodes reset as they end)
while the resident set size (VmRSS) of the agent (this process) and of the env side (the
child) is sampled ``--samples`` times. Memory is flat when what grows after the warm-up
(the first tenth) is small and does not scale with the steps. Not part of CI: run it by
hand, it takes minutes::

    python bench/soak.py                  # writes bench/results/soak.{json,md,png}
    python bench/soak.py --steps 20000    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import rlay

RESULTS = Path(__file__).resolve().parent / "results"


def rss_kib(pid: int) -> int:
    """The resident set size of a process, in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def drive(env: Any, env_pid: int, steps: int, samples: int, max_seconds: float) -> dict[str, Any]:
    """Step ``env`` ``steps`` times (or until ``max_seconds``), sampling both processes'
    memory; returns the series."""
    every = max(1, steps // samples)
    series: list[tuple[int, int, int]] = []
    env.reset(seed=0)
    start = time.perf_counter()
    done = 0
    for step in range(steps):
        _, _, terminated, truncated, _ = env.step(step % 2)
        done = step + 1
        if terminated or truncated:
            env.reset()
        if step % every == 0 or done == steps:
            series.append((done, rss_kib(os.getpid()), rss_kib(env_pid)))
            if time.perf_counter() - start > max_seconds:
                break
    seconds = time.perf_counter() - start
    return {"steps": done, "target": steps, "seconds": seconds, "series": series}


def client_direction(directory: str, steps: int, samples: int, limit: float) -> dict[str, Any]:
    address = f"unix://{directory}/client.sock"
    command = [sys.executable, "-m", "rlay", "serve", "CartPole-v1", "--address", address]
    host = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert host.stdout is not None
        line = host.stdout.readline()
        if not line.startswith("rlay: listening on "):
            raise RuntimeError(f"rlay serve did not start: {line!r}")
        with rlay.ClientEnv(address) as env:
            return drive(env, host.pid, steps, samples, limit)
    finally:
        host.terminate()
        host.wait(30)


def server_direction(directory: str, steps: int, samples: int, limit: float) -> dict[str, Any]:
    launch = [sys.executable, "-m", "rlay", "dial", "CartPole-v1"]
    env = rlay.ServerEnv(f"unix://{directory}/server.sock", launch=launch)
    try:
        assert env.process is not None
        return drive(env, env.process.pid, steps, samples, limit)
    finally:
        env.close()


def growth(series: list[list[int]], column: int) -> dict[str, float]:
    """RSS after the warm-up (the first tenth) and how much it grew to the end, in MiB."""
    warm = series[max(1, len(series) // 10)]
    last = series[-1]
    peak = max(row[column] for row in series[len(series) // 10 :])
    return {
        "after_warmup_mib": warm[column] / 1024,
        "end_mib": last[column] / 1024,
        "growth_mib": (last[column] - warm[column]) / 1024,
        "peak_mib": peak / 1024,
    }


def report(results: dict[str, Any]) -> str:
    lines = [
        "# Soak: memory over a long run in each dial direction (Unix socket)",
        "",
        f"Run {results['started']} on {results['machine']}, `python bench/soak.py"
        f" --steps {results['steps']}{results['limit']}`; load average {results['load']}."
        " CartPole-v1, both sides in Python; RSS (VmRSS) of",
        "the agent and of the env process sampled along the run; growth is measured from the",
        "end of the warm-up (the first tenth of the steps) to the last step.",
        "",
        "| direction | process | steps | µs per step | RSS after warm-up (MiB) |"
        " RSS at the end (MiB) | growth (MiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run in results["runs"].items():
        per_step = run["seconds"] / run["steps"] * 1e6
        for process, column in (("agent", 1), ("env", 2)):
            g = growth(run["series"], column)
            lines.append(
                f"| {name} | {process} | {run['steps']:,} of {run['target']:,} | {per_step:.0f} | "
                f"{g['after_warmup_mib']:.1f} | "
                f"{g['end_mib']:.1f} | {g['growth_mib']:+.2f} |"
            )
    lines += ["", "![RSS over the run](soak.png)", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 4))
    for name, run in results["runs"].items():
        steps = [row[0] for row in run["series"]]
        axes.plot(steps, [row[1] / 1024 for row in run["series"]], label=f"{name}: agent")
        axes.plot(steps, [row[2] / 1024 for row in run["series"]], label=f"{name}: env", ls="--")
    axes.set_xlabel("steps")
    axes.set_ylabel("RSS (MiB)")
    axes.set_ylim(bottom=0)
    axes.set_title("rlay soak over a Unix socket: resident memory of both processes")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--direction", choices=["both", "ClientEnv", "ServerEnv"], default="both")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=float("inf"),
        help="stop a direction after this long (the report then says how far it got)",
    )
    args = parser.parse_args(argv)
    import platform

    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "steps": args.steps,
        "limit": "" if args.max_seconds == float("inf") else f" --max-seconds {args.max_seconds:g}",
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "runs": {},
    }
    previous = args.out / "soak.json"
    if args.direction != "both" and previous.exists():
        # Re-run one direction; keep the other's recorded run.
        results["runs"] = json.loads(previous.read_text())["runs"]
    directions = (("ClientEnv", client_direction), ("ServerEnv", server_direction))
    with tempfile.TemporaryDirectory(prefix="rlay-soak-", dir="/tmp") as directory:
        for name, run in directions:
            if args.direction not in ("both", name):
                continue
            print(f"soak: {name}, {args.steps} steps ...", flush=True)
            results["runs"][name] = run(directory, args.steps, args.samples, args.max_seconds)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(results, indent=1))
    (args.out / "soak.md").write_text(report(results))
    plot(results, args.out / "soak.png")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
