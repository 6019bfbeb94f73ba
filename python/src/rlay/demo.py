"""``rlay demo``: CartPole-v1 behind rlay, driven by a random policy, both ways.

1. ``python -m rlay serve CartPole-v1`` runs in a child process; a :class:`ClientEnv`
   dials it.
2. A :class:`ServerEnv` launches ``python -m rlay dial CartPole-v1``, which dials back.

Each part prints episodes, mean return and steps per second::

    from rlay.demo import run_demo
    run_demo(steps=2000)
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import time
from collections.abc import Callable
from typing import IO, Any, TextIO

import gymnasium as gym

from rlay.client_env import ClientEnv
from rlay.errors import ProcessDied, Timeout
from rlay.server_env import ServerEnv

__all__ = ["DemoResult", "drive", "run_demo"]

_LISTENING = "rlay: listening on "


class DemoResult:
    """What one random-policy run measured."""

    def __init__(self, steps: int, episodes: int, mean_return: float, seconds: float) -> None:
        self.steps = steps
        self.episodes = episodes
        self.mean_return = mean_return
        self.seconds = seconds

    @property
    def steps_per_second(self) -> float:
        """Environment steps per wall-clock second."""
        return self.steps / self.seconds if self.seconds > 0 else float("inf")

    def __str__(self) -> str:
        return (
            f"{self.steps} steps, {self.episodes} episodes, mean return "
            f"{self.mean_return:.1f}, {self.steps_per_second:,.0f} steps/s"
        )


def drive(env: gym.Env[Any, Any], steps: int, label: str, out: TextIO = sys.stderr) -> DemoResult:
    """Run a random policy for ``steps`` steps, with a progress bar on ``out``."""
    env.action_space.seed(0)
    env.reset(seed=0)
    returns: list[float] = []
    episode_return = 0.0
    advance, finish = _progress(steps, label, out)
    start = time.perf_counter()
    for step in range(steps):
        _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        episode_return += float(reward)
        if terminated or truncated:
            returns.append(episode_return)
            episode_return = 0.0
            env.reset()
        if step % 100 == 99:
            advance(100)
    seconds = time.perf_counter() - start
    finish()
    mean = sum(returns) / len(returns) if returns else episode_return
    return DemoResult(steps, len(returns), mean, seconds)


def _progress(
    total: int, label: str, out: TextIO
) -> tuple[Callable[[int], None], Callable[[], None]]:
    if not _is_terminal(out):  # a log file or a pipe: no bar redrawn with \r
        return (lambda n: None), (lambda: None)
    try:
        from tqdm import tqdm
    except ImportError:
        return _text_progress(total, label, out)
    bar = tqdm(total=total, desc=label, unit="step", file=out, leave=False)
    return bar.update, bar.close


def _is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    return bool(isatty is not None and isatty())


def _text_progress(
    total: int, label: str, out: TextIO
) -> tuple[Callable[[int], None], Callable[[], None]]:
    done = [0]

    def advance(n: int) -> None:
        done[0] += n
        filled = 30 * done[0] // max(total, 1)
        out.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {done[0]}/{total}")
        out.flush()

    def finish() -> None:
        out.write("\r" + " " * (len(label) + 50) + "\r")
        out.flush()

    return advance, finish


def _read_address(stream: IO[str], timeout: float) -> str:
    """The address from ``rlay serve``'s first stdout line, waiting at most ``timeout``."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    try:
        if not selector.select(timeout):
            raise Timeout(f"rlay serve printed no address within {timeout:g} s")
    finally:
        selector.close()
    line = stream.readline()
    if not line.startswith(_LISTENING):
        raise ProcessDied("rlay serve", None, f"unexpected first line: {line!r}")
    return line[len(_LISTENING) :].strip()


def run_demo(steps: int = 5000, out: TextIO = sys.stdout) -> list[DemoResult]:
    """Run both halves of the demo and print what they measured."""
    print(f"rlay demo: CartPole-v1 behind rlay, random policy, {steps} steps each way", file=out)
    results = []
    command = [
        sys.executable,
        "-m",
        "rlay",
        "serve",
        "CartPole-v1",
        "--address",
        "tcp://127.0.0.1:0",
    ]
    # Its own session: a Ctrl-C at the terminal reaches only us (we end the child), not a
    # child still importing, which would print a KeyboardInterrupt traceback.
    server = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        address = _read_address(server.stdout, 60.0)
        with ClientEnv(address) as env:
            result = drive(env, steps, "ClientEnv")
        results.append(result)
        print(f"  ClientEnv -> rlay serve ({address}): {result}", file=out)
    finally:
        server.terminate()
        try:
            server.wait(10.0)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout is not None:
            server.stdout.close()
    launch = [sys.executable, "-m", "rlay", "dial", "CartPole-v1"]
    with ServerEnv(launch=launch) as env:
        result = drive(env, steps, "ServerEnv")
    results.append(result)
    print(f"  ServerEnv <- rlay dial: {result}", file=out)
    return results
