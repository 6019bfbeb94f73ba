"""Drive the CartPole sample in the Godot web engine from Python over ws://.

    python godot/harness/sample.py check             # its dynamics against Gymnasium's CartPole-v1
    python godot/harness/sample.py speed --steps 5000
    python godot/harness/sample.py train --timesteps 60000 --seeds 0 1 2  # SB3 PPO

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


def _mean_returns(model: Any, env: Any, deterministic: bool, episodes: int = 10) -> float:
    """Mean episode return over ``episodes`` episodes seeded 100, 101, ..."""
    returns = []
    for episode in range(episodes):
        obs, _ = env.reset(seed=100 + episode)
        done, total = False, 0.0
        while not done:
            action, _ = model.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(int(action))
            done, total = terminated or truncated, total + float(reward)
        returns.append(total)
    return sum(returns) / len(returns)


def train(timesteps: int, seeds: list[int]) -> int:
    """SB3 PPO, unmodified, through ServerEnv over ws://, once per seed.

    Learning is judged by the mean return of 10 episodes (seeds 100-109) of the
    policy before and after training, sampled (stochastic) and greedy
    (deterministic); the run fails unless, for every training seed, the trained
    policy's sampled return is at least twice the untrained one's and its greedy
    return at least 400 (CartPole-v1's own "solved" mark is 475 over 100 episodes).
    The rollout ep_rew_mean of each PPO iteration is printed as the learning curve.
    """
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback

    # A 64-unit MLP gains nothing from more threads, and torch's spinning worker
    # threads take the cores the browser and the trainer's I/O need.
    torch.set_num_threads(1)

    class Curve(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.points: list[tuple[int, float]] = []

        def _on_step(self) -> bool:
            return True

        def _on_rollout_end(self) -> None:
            episodes = self.model.ep_info_buffer
            if episodes:
                mean = sum(e["r"] for e in episodes) / len(episodes)
                self.points.append((self.num_timesteps, mean))

    ok = True
    with sample_env(time_scale=400.0) as env:
        for seed in seeds:
            model = PPO("MlpPolicy", env, n_steps=512, batch_size=64, seed=seed, verbose=0)
            before = (_mean_returns(model, env, False), _mean_returns(model, env, True))
            curve = Curve()
            started = time.perf_counter()
            model.learn(total_timesteps=timesteps, callback=curve)
            elapsed = time.perf_counter() - started
            after = (_mean_returns(model, env, False), _mean_returns(model, env, True))
            shown = curve.points[:: max(1, len(curve.points) // 10)] + curve.points[-1:]
            print(
                f"seed {seed}: PPO {timesteps} steps in {elapsed:.0f} s; mean return of 10 "
                f"episodes, sampled {before[0]:.1f} -> {after[0]:.1f}, greedy "
                f"{before[1]:.1f} -> {after[1]:.1f}; rollout ep_rew_mean: "
                + ", ".join(f"{steps}: {mean:.0f}" for steps, mean in shown),
                flush=True,
            )
            ok = ok and after[0] >= 2 * before[0] and after[1] >= 400
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check")
    speed_parser = sub.add_parser("speed")
    speed_parser.add_argument("--steps", type=int, default=5000)
    train_parser = sub.add_parser("train")
    train_parser.add_argument("--timesteps", type=int, default=60000)
    train_parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    if args.command == "check":
        return check()
    if args.command == "speed":
        return speed(args.steps)
    return train(args.timesteps, args.seeds)


if __name__ == "__main__":
    sys.exit(main())
