"""rlay multi-agent (protocol 1.1): 16 agents in 2 behaviours through ParallelClientEnv /
ParallelServerEnv, against the Python reference env side hosting a PettingZoo-style env.

The env is an echo of the 4-float payload for every agent: 8 ``red`` agents (action
Discrete(2)) and 8 ``blue`` agents (action Box(-1, 1, (2,), float32)), all live at every
step, never ending. A step carries 16 actions in two per-behaviour batches and returns 16
observations, rewards and flags in two batches, so agent-steps/s is steps/s times 16; the
report puts it beside the batched single-agent row (batch64: one behaviour's worth of
sub-environments in one tensor).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

from rlaybench import harness
from rlaybench.cases.rlay_case import _remove_socket as remove_socket
from rlaybench.payloads import Payload

MODULE = "rlaybench.cases.multi_agent"
SYSTEM = "rlay multi-agent"
PER_BEHAVIOR = 8
PAYLOAD = Payload(
    "agents16", "16 agents in 2 behaviours x 4 float32", (4,), "float32", num_envs=2 * PER_BEHAVIOR
)


class EchoAgents:
    """A PettingZoo-style parallel env: every agent observes the same 4 floats, forever."""

    metadata = {"name": "rlaybench/EchoAgents", "render_modes": []}  # noqa: RUF012

    def __init__(self) -> None:
        import gymnasium as gym

        self.possible_agents = [f"{kind}_{i}" for kind in ("red", "blue") for i in range(8)]
        self.agents: list[str] = []
        self._obs_space = gym.spaces.Box(0.0, 1.0, (4,), np.float32)
        self._red = gym.spaces.Discrete(2)
        self._blue = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        obs = (np.arange(4, dtype=np.float32) / 4.0).astype(np.float32)
        self._obs = {a: obs for a in self.possible_agents}
        self._zero = dict.fromkeys(self.possible_agents, 0.0)
        self._false = dict.fromkeys(self.possible_agents, False)
        self._infos: dict[str, dict[str, Any]] = {a: {} for a in self.possible_agents}

    def observation_space(self, agent: str) -> Any:
        return self._obs_space

    def action_space(self, agent: str) -> Any:
        return self._red if agent.startswith("red") else self._blue

    def reset(self, seed: int | None = None, options: Any = None) -> tuple[Any, Any]:
        self.agents = list(self.possible_agents)
        return self._obs, self._infos

    def step(self, actions: dict[str, Any]) -> tuple[Any, ...]:
        return self._obs, self._zero, self._false, self._false, self._infos

    def close(self) -> None:
        pass


def _address(transport: str) -> str:
    path = harness.unix_path(f"rlay-ma-{transport}")
    if os.path.exists(path):
        os.unlink(path)
    return f"{transport}://{path}"


def env_side(args: argparse.Namespace) -> None:
    from rlay import host

    if args.mode == "ServerEnv":
        host.dial(EchoAgents, args.rlay_address or os.environ["RLAY_ADDRESS"])
        return
    server = host.serve(EchoAgents, _address(args.transport))
    harness.announce_ready(server.address)
    server.serve_forever()


def driver(args: argparse.Namespace) -> None:
    import rlay

    path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(harness.BENCH_DIR), path) if p)
    side = None
    if args.mode == "ClientEnv":
        side = harness.Side(harness.side_command(MODULE, args))
        env: Any = rlay.ParallelClientEnv(side.wait_ready())
    else:
        launch = [sys.executable, "-m", MODULE, *harness.forward_args(args)]
        env = rlay.ParallelServerEnv(_address(args.transport), launch=launch)
    try:
        env.reset(seed=0)
        red = [np.int64(i % 2) for i in range(2)]
        blue = [np.full(2, 0.5 - i, dtype=np.float32) for i in range(2)]
        actions = [
            {a: (red[k] if a.startswith("red") else blue[k]) for a in env.possible_agents}
            for k in range(2)
        ]
        if len(env.behaviors) != 2 or len(env.agents) != PAYLOAD.num_envs:
            raise RuntimeError(f"expected 16 live agents in 2 behaviours, got {env.behaviors}")

        def step(i: int) -> object:
            return env.step(actions[i & 1])

        result = harness.measure(step, harness.config_from(args))
    finally:
        env.close()
        if side is not None:
            side.proc.terminate()
            side.stop()
        remove_socket(getattr(env, "address", ""))
    harness.emit(
        SYSTEM,
        args.mode,
        args.transport,
        PAYLOAD,
        result,
        shape="ParallelClientEnv/ParallelServerEnv: 2 behaviour batches per message",
    )


def table(rows: list[dict[str, Any]]) -> list[str]:
    """The markdown section of these rows, beside rlay's batched single-agent rows."""
    these = [r for r in rows if r["system"] == SYSTEM]
    if not these:
        return []
    batched = [r for r in rows if r["system"] == "rlay" and r["payload"] == "batch64"]
    out = [
        "## Multi-agent (protocol 1.1)",
        "",
        f"{PAYLOAD.label}: every agent acts at every step; a step is one message each way, "
        "with one batch per behaviour. Beside it, rlay's batched single-agent row "
        "(64 sub-environments in one tensor, one behaviour).",
        "",
        "| rows | mode | transport | median µs per step | agent-steps/s |",
        "|---|---|---|---|---|",
    ]
    for r in sorted(these + batched, key=lambda r: (r["transport"], r["mode"], r["num_envs"])):
        label = "16 agents, 2 behaviours" if r["system"] == SYSTEM else "batch64 (single-agent)"
        out.append(
            f"| {label} | {r['mode']} | {r['transport']} | {r['median_us']:,.1f} "
            f"| {r['agent_steps_per_s']:,.0f} |"
        )
    return [*out, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    parser.add_argument("-rlay-address", dest="rlay_address", default="")
    args = parser.parse_args()
    (env_side if args.side == "env" else driver)(args)


if __name__ == "__main__":
    main()
