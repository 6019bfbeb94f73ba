"""RLlib (new API stack) on a local Ray cluster trains on games that rlay launches.

Run by ``nox -s rllib`` (marker ``rllib``): PPO with two env runners, each launching its
own game per sub-environment; one game is killed mid-run and training goes on.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import IN_CI

pytestmark = [pytest.mark.rllib, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
CSHARP_PEER = ROOT / "csharp-unity" / "Tools~" / "build" / "peer.exe"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    if not IN_CI:
        pytest.importorskip("ray.rllib")
    import ray

    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def _games(marker: str) -> list[int]:
    """Pids of the game processes launched with ``marker`` in their environment."""
    pids = []
    needle = f"RLAY_TEST_RUN={marker}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as file:
                if needle in file.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue
    return sorted(pids)


def _wait_for_games(marker: str, count: int, timeout: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        pids = _games(marker)
        if len(pids) == count or time.monotonic() > deadline:
            return pids
        time.sleep(0.2)


def _ppo(launch: list[str], marker: str, **settings: Any) -> Any:
    from ray.rllib.algorithms.ppo import PPOConfig

    import rlay.rllib

    config = (
        PPOConfig()
        .env_runners(num_env_runners=2, num_envs_per_env_runner=1, num_cpus_per_env_runner=0.5)
        .training(train_batch_size_per_learner=128, minibatch_size=64, num_epochs=1)
        .fault_tolerance(restart_failed_sub_environments=True)
        .debugging(seed=0)
    )
    config = rlay.rllib.environment(
        config, launch=launch, launch_env={**os.environ, "RLAY_TEST_RUN": marker}, **settings
    )
    return config.build_algo()


def _sampled(result: dict[str, Any]) -> int:
    from ray.rllib.utils.metrics import ENV_RUNNER_RESULTS, NUM_ENV_STEPS_SAMPLED_LIFETIME

    return int(result[ENV_RUNNER_RESULTS][NUM_ENV_STEPS_SAMPLED_LIFETIME])


def test_ppo_trains_on_launched_python_games_and_survives_a_killed_one(ray_cluster: Any) -> None:
    marker = uuid.uuid4().hex
    launch = [sys.executable, "-m", "rlay", "dial", "CartPole-v1"]
    algo = _ppo(launch, marker)
    try:
        first = algo.train()
        games = _wait_for_games(marker, 2)
        assert len(games) == 2  # one game per env runner
        os.kill(games[0], signal.SIGKILL)
        second = algo.train()
        third = algo.train()
        assert _sampled(first) < _sampled(second) < _sampled(third)
        replaced = _wait_for_games(marker, 2)
        assert len(replaced) == 2
        assert games[0] not in replaced  # the killed game was replaced by a new launch
        assert games[1] in replaced  # the other runner's game went on
    finally:
        algo.stop()
    assert _wait_for_games(marker, 0) == []  # stopping the algorithm ended every game


def test_ppo_trains_on_launched_csharp_peers(ray_cluster: Any) -> None:
    if not CSHARP_PEER.exists():
        pytest.fail(f"{CSHARP_PEER} is missing: nox -s rllib builds it (Tools~/build.py)")
    marker = uuid.uuid4().hex
    # The `episodes` conformance env: Discrete(3) actions, episodes of at most 6 steps.
    launch = ["mono", str(CSHARP_PEER), "--env", "episodes", "--mode", "dial"]
    launch += ["--address", "{address}"]
    algo = _ppo(launch, marker, observation_dtype="float32")
    try:
        first = algo.train()
        games = _wait_for_games(marker, 2)
        assert len(games) == 2
        os.kill(games[1], signal.SIGKILL)
        second = algo.train()
        assert _sampled(first) < _sampled(second)
        assert games[1] not in _wait_for_games(marker, 2)
    finally:
        algo.stop()


def test_connect_mode_says_which_runner_has_no_game() -> None:
    from ray.rllib.env.env_context import EnvContext

    import rlay
    import rlay.rllib

    with rlay.serve("CartPole-v1", "tcp://127.0.0.1:0") as host:
        config = {"addresses": [host.address], "num_envs_per_env_runner": 1}
        env = rlay.rllib.env_creator(EnvContext(config, worker_index=1))
        try:
            obs, _ = env.reset(seed=0)
            assert obs.shape == (4,)
        finally:
            env.close()
        with pytest.raises(rlay.InvalidValue, match=r"env runner 2 \(sub-env 0\) has no game"):
            rlay.rllib.env_creator(EnvContext(config, worker_index=2))


def test_vector_entry_point_mode_steps_a_runners_games_together(ray_cluster: Any) -> None:
    from ray.rllib.algorithms.ppo import PPOConfig

    import rlay
    import rlay.rllib

    marker = uuid.uuid4().hex
    launch = [sys.executable, "-m", "rlay", "dial", "CartPole-v1"]
    config = (
        PPOConfig()
        .env_runners(
            num_env_runners=1,
            num_envs_per_env_runner=2,
            num_cpus_per_env_runner=0.5,
            gym_env_vectorize_mode="vector_entry_point",
        )
        .training(train_batch_size_per_learner=128, minibatch_size=64, num_epochs=1)
        .fault_tolerance(restart_failed_sub_environments=True)
    )
    config = rlay.rllib.environment(
        config, launch=launch, launch_env={**os.environ, "RLAY_TEST_RUN": marker}
    )
    algo = config.build_algo()
    try:
        first = algo.train()
        games = _wait_for_games(marker, 2)
        assert len(games) == 2  # two games behind the runner's one MultiVectorEnv
        os.kill(games[0], signal.SIGKILL)
        second = algo.train()
        assert _sampled(first) < _sampled(second)
        assert games[0] not in _wait_for_games(marker, 2)
    finally:
        algo.stop()
    with pytest.raises(rlay.InvalidValue, match="vector_entry_point"):
        rlay.rllib.env_creator({"addresses": ["tcp://127.0.0.1:9"], "num_envs": 2})
