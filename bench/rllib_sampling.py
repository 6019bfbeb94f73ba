"""RLlib sampling through rlay at scale: env steps/s with 1, 2 and 4 env runners.

The same PPO config (new API stack, one sub-env per runner, torch on CPU) samples from
CartPole-v1 in two ways: the Gymnasium env inside each runner ("local"), and through rlay
with each runner launching its own game (``rlay dial CartPole-v1``, a separate process
that dials the runner's ServerEnv). The gap between the two is the bridge's cost at scale,
process switches included. Run once by hand (not part of CI; needs ``pip install
torch==2.13.0 "ray[rllib]"`` and ``./python``)::

    python bench/rllib_sampling.py            # writes bench/results/rllib-sampling.{json,md,png}

Method: per configuration, a local Ray cluster with the machine's CPUs, the algorithm
built, one warm-up round, then ``--rounds`` rounds in which every remote env runner
samples ``--steps`` env steps (explore=True, the module's forward pass included) in
parallel; env steps/s = all runners' steps / wall time of the round; the median round is
reported with the min and max.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
RUNNERS = (1, 2, 4)


def _config(runners: int, mode: str) -> Any:
    import rlay.rllib
    from ray.rllib.algorithms.ppo import PPOConfig

    config = PPOConfig().env_runners(
        num_env_runners=runners,
        num_envs_per_env_runner=1,
        num_cpus_per_env_runner=0.1,  # the machine has fewer cores than some configs' runners
    )
    config = config.debugging(seed=0)
    if mode == "local":
        return config.environment("CartPole-v1")
    launch = [sys.executable, "-m", "rlay", "dial", "CartPole-v1"]
    return rlay.rllib.environment(config, launch=launch)


def _measure(runners: int, mode: str, steps: int, rounds: int) -> dict[str, Any]:
    algo = _config(runners, mode).build_algo()
    group = algo.env_runner_group

    def sample(runner: Any) -> int:
        episodes = runner.sample(num_timesteps=steps, explore=True)
        return sum(len(e) for e in episodes)

    try:
        group.foreach_env_runner(sample, local_env_runner=False)  # warm-up
        rates = []
        for _ in range(rounds):
            started = time.perf_counter()
            counts = group.foreach_env_runner(sample, local_env_runner=False)
            elapsed = time.perf_counter() - started
            rates.append(sum(counts) / elapsed)
    finally:
        algo.stop()
    return {
        "mode": mode,
        "env_runners": runners,
        "steps_per_runner": steps,
        "rounds": rounds,
        "median_steps_per_s": round(statistics.median(rates), 1),
        "min_steps_per_s": round(min(rates), 1),
        "max_steps_per_s": round(max(rates), 1),
    }


def _table(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    # No heading: docs/scale.md includes this file under its own.
    lines = [
        f"{meta['machine']}; {meta['started']}; `{meta['command']}`; load before "
        f"{meta['load_before']}. Env steps/s of the remote env runners sampling CartPole-v1 "
        "(median round, min-max); one sub-env per runner.",
        "",
        "| env runners | local Gymnasium env | through rlay (a launched game per runner) "
        "| rlay / local |",
        "|---|---|---|---|",
    ]
    for n in sorted({r["env_runners"] for r in rows}):
        local = next(r for r in rows if r["env_runners"] == n and r["mode"] == "local")
        bridged = next(r for r in rows if r["env_runners"] == n and r["mode"] == "rlay")

        def cell(r: dict[str, Any]) -> str:
            return (
                f"{r['median_steps_per_s']:,.0f} "
                f"({r['min_steps_per_s']:,.0f}-{r['max_steps_per_s']:,.0f})"
            )

        ratio = bridged["median_steps_per_s"] / local["median_steps_per_s"]
        lines.append(f"| {n} | {cell(local)} | {cell(bridged)} | {ratio:.2f} |")
    return "\n".join(lines) + "\n"


def _plot(rows: list[dict[str, Any]], meta: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for mode, label in (("local", "local Gymnasium env"), ("rlay", "through rlay")):
        these = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["env_runners"])
        xs = [r["env_runners"] for r in these]
        ax.errorbar(
            xs,
            [r["median_steps_per_s"] for r in these],
            yerr=[
                [r["median_steps_per_s"] - r["min_steps_per_s"] for r in these],
                [r["max_steps_per_s"] - r["median_steps_per_s"] for r in these],
            ],
            marker="o",
            capsize=3,
            label=label,
        )
    ax.set_xlabel("env runners (one CartPole-v1 sub-env each)")
    ax.set_ylabel("env steps/s (sampling)")
    ax.set_xticks(list(RUNNERS))
    ax.set_ylim(bottom=0)
    load = meta["load_before"].split()[0]
    ax.set_title(f"RLlib PPO sampling, {meta['machine'].split(',')[0]}, load average {load}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runners", type=int, nargs="+", default=list(RUNNERS))
    parser.add_argument("--steps", type=int, default=2000, help="env steps per runner per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import ray

    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    meta = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"ray {ray.__version__}",
        "command": "python bench/rllib_sampling.py " + " ".join(sys.argv[1:]),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    rows = []
    ray.init(include_dashboard=False, log_to_driver=False)
    try:
        for runners in args.runners:
            for mode in ("local", "rlay"):
                row = _measure(runners, mode, args.steps, args.rounds)
                print(json.dumps(row), flush=True)
                rows.append(row)
    finally:
        ray.shutdown()
    meta["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "rllib-sampling.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n"
    )
    (args.out / "rllib-sampling.md").write_text(_table(rows, meta))
    _plot(rows, meta, args.out / "rllib-sampling.png")
    print(_table(rows, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
