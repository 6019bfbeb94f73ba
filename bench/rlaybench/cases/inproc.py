"""The limit without any transport: the echo env stepped in the driver's own process."""

from __future__ import annotations

import argparse

from rlaybench import harness
from rlaybench.echo_env import make
from rlaybench.payloads import PAYLOADS, action_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    harness.add_common_args(parser)
    args = parser.parse_args()
    payload = PAYLOADS[args.payload]
    env = make(payload.name)
    env.reset(seed=0)
    actions = [action_for(payload, 0), action_for(payload, 1)]

    def step(i: int) -> object:
        return env.step(actions[i & 1])

    result = harness.measure(step, harness.config_from(args))
    harness.emit("in-process", "step", "none", payload, result)


if __name__ == "__main__":
    main()
