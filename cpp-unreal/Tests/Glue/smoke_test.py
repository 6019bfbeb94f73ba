#!/usr/bin/env python3
"""Smoke test of the Unreal glue against the Python SDK, with no Unreal.

SmokeHost runs the real URlaySubsystem / URlayAgentComponent / CartPole sample code,
compiled against the stand-in engine headers, in a fake engine loop. This script drives
it as a user drives a packaged game, and checks every step against Gymnasium's
CartPole-v1:

- ClientEnv: the game listens; spaces, max_episode_steps, seeds reproducible, whole
  episodes equal to CartPole-v1 step by step (observation, reward, terminated,
  truncated at 500), time_scale / fixed_delta_time calls, an invalid action refused;
- ServerEnv(launch=[...]): the game dials in through RLAY_ADDRESS and quits when
  Python closes;
- ClientVectorEnv: three agents in lockstep with NEXT_STEP autoreset.

    python cpp-unreal/Tests/Glue/smoke_test.py --host cpp-unreal/build/gcc-cpp17/rlay_smoke_host
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import gymnasium as gym
import numpy as np
import rlay
from rlay import errors

TIMEOUT = 20.0


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def balancing(obs: np.ndarray) -> int:
    return int(obs[2] + 0.5 * obs[3] > 0)


def compare_episode(env: gym.Env, seed: int, policy: str) -> int:
    """One episode against Gymnasium's CartPole-v1 from the same start state."""
    obs, _ = env.reset(seed=seed)
    reference = gym.make("CartPole-v1")
    reference.reset(seed=0)
    reference.unwrapped.state = obs.astype(np.float64)  # type: ignore[attr-defined]
    steps = 0
    while True:
        action = balancing(obs) if policy == "balance" else int(steps % 3 == 0)
        obs, reward, terminated, truncated, _ = env.step(action)
        expected, expected_reward, expected_end, expected_cut, _ = reference.step(
            action
        )
        steps += 1
        check(
            np.array_equal(obs, expected),
            f"step {steps}: {obs} != CartPole-v1's {expected}",
        )
        check(
            reward == expected_reward,
            f"step {steps}: reward {reward} != {expected_reward}",
        )
        check(terminated == expected_end, f"step {steps}: terminated {terminated}")
        check(
            truncated == expected_cut,
            f"step {steps}: truncated {truncated} != {expected_cut}",
        )
        if terminated or truncated:
            return steps


def client_env_case(host: str) -> None:
    game = subprocess.Popen(
        [host, "--port", "0", "--seconds", "120"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert game.stdout is not None
        line = game.stdout.readline().strip()
        check(
            line.startswith("READY "), f"the game announces its address, got {line!r}"
        )
        env = rlay.ClientEnv(line.split()[1], timeout=TIMEOUT)
        check(env.observation_space.shape == (4,), f"obs space {env.observation_space}")
        check(env.observation_space.dtype == np.float32, "obs dtype float32")
        reference_space = gym.make("CartPole-v1").observation_space
        check(
            np.array_equal(env.observation_space.high, reference_space.high),  # type: ignore[attr-defined]
            "CartPole-v1's observation bounds",
        )
        check(
            env.action_space == gym.spaces.Discrete(2),
            f"action space {env.action_space}",
        )
        check(
            env.spec is not None and env.spec.max_episode_steps == 500,
            "max_episode_steps",
        )
        first, _ = env.reset(seed=3)
        again, _ = env.reset(seed=3)
        check(
            np.array_equal(first, again),
            "the same seed gives the same first observation",
        )
        check(
            bool(np.all(np.abs(first) <= 0.05)),
            f"start state within U(-0.05, 0.05): {first}",
        )
        other, _ = env.reset(seed=4)
        check(not np.array_equal(first, other), "another seed, another start")
        falls = compare_episode(env, 11, "fixed")
        check(falls < 500, "the fixed pattern lets the pole fall")
        lasts = compare_episode(env, 12, "balance")
        check(
            lasts == 500, f"the balancing policy is truncated at 500 steps, got {lasts}"
        )
        previous = env.unwrapped.call("time_scale", 8.0)  # type: ignore[attr-defined]
        check(previous == 1.0, f"time_scale answers the previous scale, got {previous}")
        check(env.unwrapped.call("time_scale", None) == 8.0, "time_scale is now 8")  # type: ignore[attr-defined]
        env.unwrapped.call("fixed_delta_time", 0.01)  # type: ignore[attr-defined]
        check(
            env.unwrapped.call("fixed_delta_time", None) == 0.01,
            "fixed_delta_time is set",
        )  # type: ignore[attr-defined]
        try:
            env.unwrapped.call("no_such_call", 1)  # type: ignore[attr-defined]
            raise AssertionError("an unknown call must fail")
        except errors.RlayError as error:
            check("no_such_call" in str(error), f"the error names the call: {error}")
        env.reset(seed=1)
        try:
            env.step(5)
            raise AssertionError("an action outside Discrete(2) must fail")
        except errors.RlayError as error:
            check(
                "outside Discrete" in str(error),
                f"typed error for a bad action: {error}",
            )
        env.step(0)  # the session goes on
        env.close()
        print(
            "ClientEnv: spaces, seeds, 2 episodes equal to CartPole-v1, calls, errors: ok"
        )
    finally:
        game.terminate()
        game.wait(timeout=10)


def server_env_case(host: str) -> None:
    env = rlay.ServerEnv(
        launch=[host, "--seconds", "60"], timeout=TIMEOUT, accept_timeout=TIMEOUT
    )
    try:
        steps = compare_episode(env, 21, "fixed")
        check(steps > 0, "an episode ran")
    finally:
        env.close()
    print(
        "ServerEnv: the game dialled in through RLAY_ADDRESS, one episode equal to CartPole-v1: ok"
    )


def vector_case(host: str) -> None:
    game = subprocess.Popen(
        [host, "--port", "0", "--agents", "3", "--seconds", "120"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert game.stdout is not None
        line = game.stdout.readline().strip()
        envs = rlay.ClientVectorEnv(line.split()[1], timeout=TIMEOUT)
        check(envs.num_envs == 3, f"three agents, got {envs.num_envs}")
        obs, _ = envs.reset(seed=[1, 2, 3])
        check(obs.shape == (3, 4), f"batched observations {obs.shape}")
        ended = np.zeros(3, dtype=bool)
        for _ in range(60):
            obs, rewards, terminated, truncated, _ = envs.step(np.array([1, 1, 1]))
            for i in range(3):
                if ended[i]:
                    # NEXT_STEP: the step after the end resets, with reward 0 and no flags.
                    check(
                        rewards[i] == 0.0 and not terminated[i], f"agent {i} autoreset"
                    )
                    check(bool(np.all(np.abs(obs[i]) <= 0.05)), "autoreset start state")
            ended = terminated | truncated
        check(envs.unwrapped.call("agents", None) == 3, "a game's own call")  # type: ignore[attr-defined]
        envs.close()
        print("ClientVectorEnv: 3 agents, NEXT_STEP autoreset, a game's own call: ok")
    finally:
        game.terminate()
        game.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host", required=True, help="path of the built rlay_smoke_host"
    )
    args = parser.parse_args()
    client_env_case(args.host)
    server_env_case(args.host)
    vector_case(args.host)
    return 0


if __name__ == "__main__":
    sys.exit(main())
