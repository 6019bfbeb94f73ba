"""Print the check values of ENVIRONMENTS.md's appendix from the runner's models.

python -m runner.checkvalues      # from conformance/
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from runner import model

SPACES_ACTION: Any = OrderedDict(
    move=np.int64(-2),
    aim=np.array([0.5, -1.25], dtype=np.float32),
    throttle=np.array(-3.0e10, dtype=np.float64),
    buttons=np.array([1, 0, 1], dtype=np.int8),
    gears=np.array([3, -1], dtype=np.int64),
    small=(
        np.array([-8, 7], dtype=np.int8),
        np.array(65535, dtype=np.uint16),
        np.array(2**64 - 1, dtype=np.uint64),
    ),
    say="a\u00e9",
    pick=(np.int64(1), np.array([-5, 4], dtype=np.int32)),
)


def plain(x: Any) -> Any:
    """A compact, language-neutral rendering of an observation."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(plain(v) for v in x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if hasattr(x, "nodes"):
        return {"nodes": plain(x.nodes), "edges": plain(x.edges), "edge_links": plain(x.edge_links)}
    return x


def main() -> None:
    print(f"mix(0) = {model.mix(0):#018x}; mix(1) = {model.mix(1):#018x}")
    print(f"key after an unseeded first reset = mix(K0) = {model.mix(model.K0):#018x}")
    env = model.make("spaces")
    env.reset(seed=0)
    print(f"spaces, seed 0: key = {env.key:#018x}, reset S = {env.state:#018x}")
    obs, _ = env.reset(seed=0)
    print("spaces reset obs (seed 0):", plain({k: v for k, v in obs.items() if k != "image"}))
    print(
        "  image[0][0] =", obs["image"][0][0].tolist(), "image[3][5] =", obs["image"][3][5].tolist()
    )
    data = model.element_bytes(env.action_space, SPACES_ACTION)
    print(f"spaces action bytes ({len(data)}): {data.hex()}")
    obs, reward, *_ = env.step(SPACES_ACTION)
    print(f"  after the step: acc = {env.acc:#010x}, reward = {reward}, S = {env.state:#018x}")
    print("  obs:", plain({k: v for k, v in obs.items() if k != "image"}))
    for seed in (0, 1):
        ep = model.make("episodes")
        print(f"episodes seed {seed}: reset obs", ep.reset(seed=seed)[0].tolist())
    vec = model.make("batched-next-step")
    obs, info = vec.reset(seed=[5, 6, 7, 8])
    print("batched seeds 5..8: id", obs["id"].tolist(), "len", info["len"].tolist())
    large = model.make("large")
    lo, _ = large.reset(seed=0)
    print("large seed 0: obs[0][0:4] =", lo[0, :4].tolist(), "obs[1][0] =", int(lo[1, 0]))
    multi_agent()


def multi_agent() -> None:
    """Seed 0 of `multi-agent`, runners moving +1 and scouts acting [0.5, -0.5] throughout."""
    env = model.MultiAgent()
    obs, infos = env.reset(seed=0)
    print("multi-agent seed 0 reset:", plain(obs))
    print("  infos:", infos)
    live, t = list(obs), 0
    scout_action = np.array([0.5, -0.5], np.float32)
    while live:
        actions = {a: np.int64(1) if a.startswith("runner") else scout_action for a in live}
        _, rewards, terminated, truncated, _, live = env.step(actions)
        t += 1
        ended = [a for a in rewards if terminated[a] or truncated[a]]
        print(f"  t={t}: reported {list(rewards)}, rewards {list(rewards.values())}, "
              f"ended {ended}, live {live}")  # fmt: skip


if __name__ == "__main__":
    main()
