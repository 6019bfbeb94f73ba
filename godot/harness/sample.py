"""Drive the CartPole sample in the Godot web engine from Python over ws://.

    python godot/harness/sample.py check             # its dynamics against Gymnasium's CartPole-v1
    python godot/harness/sample.py speed --steps 5000
    python godot/harness/sample.py train --timesteps 20000   # Stable-Baselines3 PPO

Python listens (``rlay.ServerEnv("ws://127.0.0.1:0")``); the engine page opens with
``?rlay_address=ws://...&rlay_train=1`` (the training page shell: no
requestAnimationFrame pacing, render loop off) and the game dials in.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import project


@contextlib.contextmanager
def sample_env(time_scale: float = 1.0) -> Iterator[Any]:
    """A ServerEnv with the sample dialled in from the web engine; both end on exit."""
    import rlay

    pck = project.build("sample")
    env = rlay.ServerEnv(
        "ws://127.0.0.1:0", wait=False, accept_timeout=120.0, timeout=60.0
    )
    node = shutil.which("node") or "node"
    engine = subprocess.Popen(
        [node, str(HERE / "engine.mjs"), "run", "--pck", str(pck), "--timeout", "3600",
         "--query", f"rlay_address={env.address}", "--arg", "--", "--arg", "--rlay-quit-on-end"],
    )  # fmt: skip
    try:
        env.accept()
        if time_scale != 1.0:
            # Godot runs physics_ticks_per_second ticks per real second whatever the
            # time scale: both grow together, so a tick still covers 0.02 game seconds.
            env.unwrapped.call("time_scale", time_scale)
            env.unwrapped.call("physics_ticks_per_second", int(50 * time_scale))
        yield env
    finally:
        env.close()
        try:
            engine.wait(30)
        except subprocess.TimeoutExpired:
            engine.terminate()
            engine.wait(10)


def check(steps: int = 200) -> int:
    """Every step's observation equals Gymnasium CartPole-v1 stepped from the same state."""
    import gymnasium as gym
    import numpy as np

    reference = gym.make("CartPole-v1").unwrapped
    worst = 0.0
    with sample_env() as env:
        obs, _ = env.reset(seed=3)
        again, _ = env.reset(seed=3)
        assert np.array_equal(obs, again), "a seed gives the same start"
        reference.reset(seed=0)
        reference.state = np.asarray(obs, dtype=np.float64)
        rng = np.random.default_rng(1)
        for step in range(steps):
            action = int(rng.integers(2))
            expected, reward, terminated, _, _ = reference.step(action)
            obs, got_reward, got_terminated, truncated, _ = env.step(action)
            worst = max(worst, float(np.max(np.abs(obs - expected))))
            assert got_reward == reward == 1.0, (step, got_reward)
            assert got_terminated == terminated, (step, obs, expected)
            # Both sides keep float64 state; the observation is its float32 rounding.
            reference.state = np.asarray(obs, dtype=np.float64)
            if terminated or truncated:
                obs, _ = env.reset()
                reference.reset()
                reference.state = np.asarray(obs, dtype=np.float64)
    print(
        f"CartPole sample matches Gymnasium over {steps} steps (max |diff| {worst:.2e})"
    )
    return 0 if worst < 1e-5 else 1


def speed(steps: int) -> int:
    with sample_env(time_scale=400.0) as env:
        env.reset(seed=0)
        started = time.perf_counter()
        for _ in range(steps):
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                env.reset()
        elapsed = time.perf_counter() - started
    print(
        f"{steps} steps in {elapsed:.2f} s: {steps / elapsed:.0f} steps/s (frames off)"
    )
    return 0


def _greedy_lengths(model: Any, env: Any, episodes: int = 5) -> list[int]:
    lengths = []
    for episode in range(episodes):
        obs, _ = env.reset(seed=100 + episode)
        done, length = False, 0
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, _, terminated, truncated, _ = env.step(int(action))
            done, length = terminated or truncated, length + 1
        lengths.append(length)
    return lengths


def train(timesteps: int) -> int:
    """SB3 PPO, unmodified, through ServerEnv over ws://; greedy episode lengths before/after."""
    from stable_baselines3 import PPO

    with sample_env(time_scale=400.0) as env:
        model = PPO("MlpPolicy", env, n_steps=256, batch_size=64, seed=0, verbose=0)
        before = _greedy_lengths(model, env)
        started = time.perf_counter()
        model.learn(total_timesteps=timesteps)
        elapsed = time.perf_counter() - started
        after = _greedy_lengths(model, env)
    print(
        f"PPO {timesteps} steps in {elapsed:.0f} s; greedy episode lengths before {before}, "
        f"after {after}"
    )
    return 0 if sum(after) > sum(before) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check")
    speed_parser = sub.add_parser("speed")
    speed_parser.add_argument("--steps", type=int, default=5000)
    train_parser = sub.add_parser("train")
    train_parser.add_argument("--timesteps", type=int, default=20000)
    args = parser.parse_args(argv)
    if args.command == "check":
        return check()
    if args.command == "speed":
        return speed(args.steps)
    return train(args.timesteps)


if __name__ == "__main__":
    sys.exit(main())
