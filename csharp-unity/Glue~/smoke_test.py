#!/usr/bin/env python3
"""Smoke test of the Unity glue against the Python SDK, with no Unity.

SmokeHost.exe runs the real RlayEnvironment / RlayAgent / CartPole sample code,
compiled against UnityEngineStubs.cs, in a fake player loop (FixedUpdate and
Update called as Unity calls them). This script drives it exactly as a user
drives a built game:

- ServerEnv(launch=[...]): the game dials in through -rlay-address, resets
  with seeds reproducibly, plays CartPole with CartPole-v1's dynamics, answers
  named calls, reports bad actions as typed errors, and quits when Python closes;
- ClientVectorEnv: the game listens (-rlay-listen), hosts several sub-envs with
  NEXT_STEP autoreset, refuses a second trainer, and serves the next one after
  the first leaves; render() returns rgb_array frames;
- both stepping modes (FixedUpdate lockstep and ManualPhysics);
- ParallelServerEnv: the multi-agent Chaser and Evader sample (two behaviours, an
  agent deciding every second step) replays a seeded episode exactly and plays random
  episodes with every observation in its agent's space.

    python csharp-unity/Glue~/smoke_test.py --exe csharp-unity/Glue~/build/SmokeHost.exe
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import gymnasium as gym
import numpy as np

import rlay
from rlay import errors

TIMEOUT = 20.0


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def launch_command(exe: str, *extra: str) -> list[str]:
    return ["mono", "--debug", exe, "-smoke-seconds", "60", *extra]


def server_env_case(exe: str, *extra: str) -> None:
    """ServerEnv launches the game; everything a single-agent trainer does."""
    env = rlay.ServerEnv(launch=launch_command(exe, *extra), timeout=TIMEOUT, accept_timeout=TIMEOUT)
    try:
        check(env.observation_space.shape == (4,), f"obs space {env.observation_space}")
        check(env.observation_space.dtype == np.float32, "obs dtype float32")
        check(env.action_space == gym.spaces.Discrete(2), f"action space {env.action_space}")
        check(env.spec is not None and env.spec.max_episode_steps == 500, "max_episode_steps 500")
        first, _ = env.reset(seed=3)
        again, _ = env.reset(seed=3)
        check(np.array_equal(first, again), "the same seed gives the same first observation")
        check(bool(np.all(np.abs(first) <= 0.05)), f"start state within U(-0.05, 0.05): {first}")
        wide, _ = env.reset(seed=3, options={"low": -0.2, "high": 0.2})
        check(not np.array_equal(wide, first), "reset options reach OnEpisodeBegin")

        # The sample integrates CartPole-v1's equations: compare one episode with Gymnasium's.
        obs, _ = env.reset(seed=11)
        reference = gym.make("CartPole-v1").unwrapped
        reference.reset(seed=0)
        reference.state = obs.astype(np.float64)
        steps = 0
        while True:
            action = steps % 3 == 0
            obs, reward, terminated, truncated, _ = env.step(int(action))
            expected, _, expected_end, _, _ = reference.step(int(action))
            steps += 1
            check(reward == 1.0, f"reward 1 per step, got {reward}")
            check(bool(np.allclose(obs, expected, atol=1e-3)), f"step {steps}: {obs} vs {expected}")
            check(terminated == expected_end, f"step {steps}: terminated {terminated}")
            reference.state = obs.astype(np.float64)
            if terminated or truncated:
                break
            check(steps < 500, "the episode ends")
        print(f"  CartPole episode of {steps} steps matches gymnasium's CartPole-v1")

        check(env.unwrapped.call("time_scale", 4.0) == 4.0, "time_scale call")
        check(env.unwrapped.call("time_scale") == 4.0, "time_scale read back")
        check(abs(env.unwrapped.call("fixed_delta_time") - 0.02) < 1e-6, "fixed_delta_time")
        env.reset(seed=0)
        try:
            env.step(7)
            raise AssertionError("an action outside Discrete(2) must fail")
        except (errors.InvalidValue, errors.RemoteError) as error:
            print(f"  bad action refused: {type(error).__name__}: {error}")
        obs, *_ = env.step(1)  # the session goes on after an invalid argument
        check(obs.shape == (4,), "stepping goes on after an error")
        # Last: the Python side ends the session after ERROR_CODE_UNIMPLEMENTED.
        try:
            env.unwrapped.call("no_such_call", 1)
            raise AssertionError("an unknown call must fail")
        except errors.RemoteError as error:
            check("no_such_call" in str(error), f"unknown call error names it: {error}")
    finally:
        env.close()


def wait_for_listen(process: subprocess.Popen[str], lines: list[str]) -> str:
    deadline = time.monotonic() + TIMEOUT
    pattern = re.compile(r"listening on (tcp://[0-9.]+:\d+)")
    while time.monotonic() < deadline:
        for line in list(lines):
            match = pattern.search(line)
            if match:
                return match.group(1)
        if process.poll() is not None:
            raise AssertionError(f"the game exited ({process.returncode}): {''.join(lines)[-2000:]}")
        time.sleep(0.05)
    raise AssertionError("the game did not report its listening address")


def read_stderr(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)


def client_vector_case(exe: str, *extra: str) -> None:
    """The game listens; a vector trainer connects, a second is refused, a third follows."""
    command = launch_command(exe, "-smoke-count", "3", "-smoke-graphics", "-rlay-listen", "tcp://127.0.0.1:0", *extra)
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=read_stderr, args=(process, lines), daemon=True).start()
    try:
        address = wait_for_listen(process, lines)
        env = rlay.ClientVectorEnv(address, timeout=TIMEOUT, render_mode="rgb_array")
        try:
            check(env.num_envs == 3, f"num_envs {env.num_envs}")
            obs, _ = env.reset(seed=[1, 2, 3])
            check(obs.shape == (3, 4), f"batched observation {obs.shape}")
            try:
                rlay.ClientEnv(address, timeout=TIMEOUT)
                raise AssertionError("a second trainer must be refused")
            except (errors.RemoteError, errors.RlayError) as error:
                check("another trainer" in str(error), f"refusal says why: {error}")
            frames = env.render()
            check(frames is not None and len(frames) == 3, "one frame per sub-env")
            check(frames[0].shape == (120, 160, 3) and frames[0].dtype == np.uint8, "rgb_array frame")
            ended = None
            for _ in range(300):
                obs, rewards, terminated, truncated, _ = env.step(np.zeros(3, dtype=np.int64))
                if ended is not None:
                    # NEXT_STEP: the step after the end resets, with reward 0 and no end flag.
                    check(rewards[ended] == 0.0, f"reset step reward {rewards[ended]}")
                    check(not terminated[ended], "reset step not terminated")
                    check(bool(np.all(np.abs(obs[ended]) <= 0.05)), f"fresh start {obs[ended]}")
                    break
                if terminated.any():
                    ended = int(np.flatnonzero(terminated)[0])
            check(ended is not None, "pushing left always ends an episode")
        finally:
            env.close()
        env = rlay.ClientVectorEnv(address, timeout=TIMEOUT)
        try:
            obs, _ = env.reset(seed=0)
            check(obs.shape == (3, 4), "the next trainer is served after the first left")
        finally:
            env.close()
        check(process.poll() is None, "a listening game keeps running between trainers")
    finally:
        process.kill()
        process.wait(timeout=TIMEOUT)


def multi_agent_case(exe: str) -> None:
    """The Chaser and Evader sample as a PettingZoo ParallelEnv (the game dials in).

    Not pettingzoo's parallel_api_test: it requires that env.agents never lose an agent
    that did not end and never regain one that did, while here an evader decides every
    second step and ended agents respawn (protocol 1.1's live agents).
    """
    env = rlay.ParallelServerEnv(
        launch=launch_command(exe, "-smoke-chaser-evader"), timeout=TIMEOUT, accept_timeout=TIMEOUT
    )
    try:
        check(env.possible_agents == ["chaser_0", "evader_0"], f"agents {env.possible_agents}")
        check(env.action_space("chaser_0") == gym.spaces.Discrete(5), "chaser acts with Discrete(5)")
        check(env.action_space("evader_0").shape == (2,), "evader acts with a Box(2)")
        runs = []
        for _ in range(2):
            observations, _ = env.reset(seed=5)
            trace = [observations["chaser_0"].tolist()]
            for step in range(6):
                actions = {a: (1 if a.startswith("chaser") else np.array([1.0, 0.0], np.float32)) for a in env.agents}
                observations, rewards, _, _, _ = env.step(actions)
                trace.append(sorted((a, o.tolist(), float(rewards[a])) for a, o in observations.items()))
                if step % 2 == 0:
                    check("evader_0" not in env.agents, "the evader decides every second step")
            runs.append(trace)
        check(runs[0] == runs[1], "the same seed and actions replay exactly")
        env.reset(seed=1)
        ended = 0
        for _ in range(200):
            if not env.agents:
                env.reset()
            actions = {a: env.action_space(a).sample() for a in env.agents}
            observations, rewards, terminations, truncations, _ = env.step(actions)
            check(set(env.agents) <= set(observations), "every live agent has an observation")
            for agent in observations:
                check(env.observation_space(agent).contains(observations[agent]), f"{agent} observation in its space")
            ended += sum(terminations.values()) + sum(truncations.values())
        print(f"  200 random steps, {ended} agent episodes ended")
    finally:
        env.close()


def dial_failure_case(exe: str) -> None:
    """A launched game that cannot reach its ServerEnv exits with an error, not hangs."""
    started = time.monotonic()
    result = subprocess.run(
        ["mono", exe, "-smoke-seconds", "60", "-smoke-connect-timeout", "2"]
        + ["-rlay-address", "tcp://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("RLAY_")},
    )
    check(result.returncode == 1, f"exit code 1 when the trainer is unreachable, got {result.returncode}")
    check("could not reach" in result.stderr, f"says why: {result.stderr[-500:]}")
    print(f"  unreachable trainer: exit 1 after {time.monotonic() - started:.1f} s")


CASES: list[tuple[str, Callable[[str], None]]] = [
    ("ServerEnv, FixedUpdate stepping", lambda exe: server_env_case(exe)),
    ("ServerEnv, ManualPhysics stepping", lambda exe: server_env_case(exe, "-smoke-manual")),
    ("ClientVectorEnv x3, render, refusal, reconnect", lambda exe: client_vector_case(exe)),
    ("ClientVectorEnv x3, ManualPhysics", lambda exe: client_vector_case(exe, "-smoke-manual")),
    ("ParallelServerEnv, Chaser and Evader (two behaviours)", multi_agent_case),
    ("unreachable ServerEnv", dial_failure_case),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exe", required=True, help="path to SmokeHost.exe")
    args = parser.parse_args()
    failed = 0
    for name, case in CASES:
        started = time.monotonic()
        try:
            case(args.exe)
        except Exception as error:  # report every case, then fail
            failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}")
            continue
        print(f"ok   {name} ({time.monotonic() - started:.1f} s)")
    print(f"{len(CASES) - failed}/{len(CASES)} smoke cases passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
