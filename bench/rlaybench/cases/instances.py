"""Many game instances on one machine: rlay.MultiVectorEnv over N launched C# peers.

Each instance is the C# conformance peer (mono) hosting ``batched-next-step`` (four
sub-environments in lockstep, Dict observation, Tuple action; conformance/ENVIRONMENTS.md)
and dialling its own ServerEnv listener; one MultiVectorEnv steps them all (sends first,
then gathers the replies). One row per instance count: agent-steps/s is the vector env's
steps per second times its sub-environments (4 per instance).
"""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Any

import numpy as np

from rlaybench import harness
from rlaybench.payloads import Payload

SYSTEM = "rlay MultiVectorEnv (C# peers)"
SUB_ENVS = 4  # batched-next-step hosts four sub-environments per peer
COUNTS = (1, 2, 4, 8)


def payload(instances: int) -> Payload:
    """The row's payload: the dict observation's int32 pos of every sub-env."""
    return Payload(
        f"instances-{instances}",
        f"{instances} launched C# peers x {SUB_ENVS} sub-envs (batched-next-step)",
        (2,),
        "int32",
        num_envs=instances * SUB_ENVS,
    )


def driver(args: argparse.Namespace) -> None:
    import rlay

    run: list[str] = json.loads(args.peer_run)
    command = [*run, "--env", "batched-next-step", "--mode", "dial", "--address", "{address}"]
    for count in args.counts:
        envs: Any = rlay.MultiVectorEnv(command, instances=count, launch_cwd=args.peer_workdir)
        try:
            envs.reset(seed=7)
            n = envs.num_envs
            # Tuple(Discrete(3, start=-1), Box(-3, 3, (), int32)) in batch form.
            actions = [
                (np.full(n, i % 3 - 1, dtype=np.int64), np.full(n, i % 7 - 3, dtype=np.int32))
                for i in range(4)
            ]

            def step(i: int, envs: Any = envs, actions: Any = actions) -> object:
                return envs.step(actions[i & 3])

            result = harness.measure(step, harness.config_from(args))
        finally:
            envs.close()
        harness.emit(
            SYSTEM,
            "ServerEnv",
            "tcp",
            payload(count),
            result,
            instances=count,
            shape=f"rlay.MultiVectorEnv over {count} launched C# conformance peers",
            peer_command=shlex.join(command),
        )


def table(rows: list[dict[str, Any]]) -> list[str]:
    """The markdown section of these rows for latest.md (empty without them)."""
    these = sorted((r for r in rows if r["system"] == SYSTEM), key=lambda r: r["instances"])
    if not these:
        return []
    base = these[0]["agent_steps_per_s"]
    out = [
        "## Many instances on one machine",
        "",
        f"rlay.MultiVectorEnv over N launched C# conformance peers (mono), each hosting "
        f"`batched-next-step` with {SUB_ENVS} sub-environments, over tcp; one vector step "
        "sends to every instance, then gathers the replies.",
        "",
        "| instances | sub-envs | median µs per vector step | agent-steps/s | vs. the first row |",
        "|---|---|---|---|---|",
    ]
    for r in these:
        out.append(
            f"| {r['instances']} | {r['num_envs']} | {r['median_us']:,.1f} "
            f"| {r['agent_steps_per_s']:,.0f} "
            f"| {r['agent_steps_per_s'] / base:.2f}x |"
        )
    return [*out, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    parser.add_argument("--peer-run", required=True, help="the C# peer's run argv, as JSON")
    parser.add_argument("--peer-workdir", required=True)
    parser.add_argument("--counts", type=int, nargs="+", default=list(COUNTS))
    driver(parser.parse_args())


if __name__ == "__main__":
    main()
