"""RLlib (new API stack) on a local Ray cluster trains on games that rlay launches.

Run by ``nox -s rllib`` (marker ``rllib``): PPO with two env runners, each launching its
own game per sub-environment; one game is killed mid-run and training goes on. The same
for multi-agent games (the conformance suite's ``multi-agent`` env, whose agents respawn
and pause), one policy per behaviour.
"""

from __future__ import annotations

import contextlib
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
PYTHON_PEER = ROOT / "conformance" / "peers" / "python" / "peer.py"
# The conformance `multi-agent` env (conformance/ENVIRONMENTS.md section 8), dialling in:
# runners respawn (a new life each), scouts decide every other step.
MULTI_AGENT_PEER = [sys.executable, str(PYTHON_PEER), "--env", "multi-agent", "--mode", "dial"]
MULTI_AGENT_PEER += ["--address", "{address}"]


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


def _config() -> Any:
    from ray.rllib.algorithms.ppo import PPOConfig

    return (
        PPOConfig()
        .env_runners(num_env_runners=2, num_envs_per_env_runner=1, num_cpus_per_env_runner=0.5)
        .training(train_batch_size_per_learner=128, minibatch_size=64, num_epochs=1)
        .fault_tolerance(restart_failed_sub_environments=True)
        .debugging(seed=0)
    )


def _ppo(launch: list[str], marker: str, **settings: Any) -> Any:
    import rlay.rllib

    config = rlay.rllib.environment(
        _config(), launch=launch, launch_env={**os.environ, "RLAY_TEST_RUN": marker}, **settings
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


def test_pool_mode_lends_each_running_game_to_one_sub_env(ray_cluster: Any) -> None:
    from ray.rllib.env.env_context import EnvContext

    import rlay
    import rlay.rllib

    with contextlib.ExitStack() as stack:
        hosts = [stack.enter_context(rlay.serve("CartPole-v1", "tcp://127.0.0.1:0")) for _ in "abc"]
        pool = rlay.rllib.GamePool([host.address for host in hosts])
        config = rlay.rllib.environment(_config(), pool=pool)
        algo = config.build_algo()
        try:
            first = algo.train()
            leases = pool.leases()
            assert sorted(leases) == ["env runner 1 (sub-env 0)", "env runner 2 (sub-env 0)"]
            assert len(set(leases.values())) == 2  # a game of its own for each runner
            # One more sub-env takes the third game; the next finds every game leased.
            extra = rlay.rllib.env_creator(EnvContext(config.env_config, worker_index=3))
            assert extra.reset(seed=0)[0].shape == (4,)
            assert set(pool.leases().values()) == {host.address for host in hosts}
            message = rf"env runner 4 \(sub-env 0\) has no game: the pool '{pool.name}'"
            with pytest.raises(rlay.InvalidValue, match=message):
                rlay.rllib.env_creator(EnvContext(config.env_config, worker_index=4))
            extra.close()
            assert pool.leases() == leases  # the closed sub-env gave its game back
            assert _sampled(first) < _sampled(algo.train())
        finally:
            algo.stop()
        assert pool.leases() == {}  # stopping the algorithm gave every game back


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


def _multi_agent_ppo(launch: list[str], marker: str) -> Any:
    import rlay.rllib

    config = rlay.rllib.multi_agent_environment(
        _config(),
        launch=launch,
        launch_env={**os.environ, "RLAY_TEST_RUN": marker},
        # Scouts see a Dict, runners int32: flat float32 for RLlib's default models.
        flatten_observations=True,
    )
    assert set(config.policies) == {"runner", "scout"}  # one policy per behaviour
    return config.build_algo()


def _trained_modules(result: dict[str, Any]) -> set[str]:
    from ray.rllib.utils.metrics import LEARNER_RESULTS

    return set(result[LEARNER_RESULTS]) & {"runner", "scout"}


def _rllib_episodes(env: Any, seed: int, count: int) -> tuple[set[str], int]:
    """Drive ``env`` as RLlib's env runner does for ``count`` RLlib episodes, random
    actions, each step checked by a MultiAgentEpisode; the ids seen and the cuts."""
    from ray.rllib.env.multi_agent_episode import MultiAgentEpisode

    ids: set[str] = set()
    cuts = 0
    observations, infos = env.reset(seed=seed)
    for _ in range(count):
        episode = MultiAgentEpisode(
            observation_space={a: env.get_observation_space(a) for a in env.possible_agents},
            action_space={a: env.get_action_space(a) for a in env.possible_agents},
            agent_to_module_mapping_fn=env.mapping,
        )
        episode.add_env_reset(observations=observations, infos=infos)
        while not episode.is_done:
            to_act = set(episode.get_agents_to_act())
            # RLlib acts for exactly the live agents (a paused scout is alive, not live).
            assert {a.partition("#")[0] for a in to_act} == set(env.env.agents)
            assert to_act <= set(env.agents)
            actions = {a: env.get_action_space(a).sample() for a in to_act}
            observations, rewards, terminated, truncated, infos = env.step(actions)
            assert set(observations) <= set(env.possible_agents)
            ids |= set(observations)
            episode.add_env_step(
                observations=observations,
                actions=actions,
                rewards=rewards,
                infos=infos,
                terminateds=terminated,
                truncateds=truncated,
            )
        assert terminated["__all__"] or truncated["__all__"]
        cuts += bool(env.env.agents)  # the game goes on in the next RLlib episode
        assert {episode.module_for(a) for a in episode.agent_ids} <= {"runner", "scout"}
        observations, infos = env.reset()  # as RLlib's autoreset: no seed
    return ids, cuts


def test_multi_agent_lives_are_agent_ids_that_rllib_episodes_take() -> None:
    """Respawned runners come back as new agent ids; RLlib's episodes accept every step."""
    if not IN_CI:
        pytest.importorskip("ray.rllib")
    import gymnasium as gym

    import rlay
    from rlay.rllib_agents import RLlibMultiAgentEnv

    env = RLlibMultiAgentEnv(rlay.ParallelServerEnv(launch=MULTI_AGENT_PEER), lives=2)
    try:
        names = ["runner_0", "scout_0", "runner_1", "scout_1", "runner_2"]
        assert env.possible_agents == [*names, *(f"{name}#2" for name in names)]
        # Discrete(5, start=-2) is shown from 0 (RLlib samples from 0) and shifted back.
        assert env.get_action_space("runner_1#2") == gym.spaces.Discrete(5)
        assert isinstance(env.get_observation_space("scout_0#2"), gym.spaces.Dict)
        assert env.mapping("runner_2#2") == "runner"
        assert env.mapping("scout_1") == "scout"
        with pytest.raises(rlay.InvalidValue, match="not an agent"):
            env.mapping("pilot_0")
        ids, cuts = _rllib_episodes(env, seed=0, count=6)
        assert {"runner_0#2", "runner_1#2"} <= ids  # respawned runners: their second lives
        assert cuts == 0  # no runner needs a third life within the game's 8 steps
        # One life per RLlib episode: a respawn cuts the RLlib episode, the game goes on.
        env.lives = 1
        ids, cuts = _rllib_episodes(env, seed=1, count=6)
        assert cuts > 0
        assert "#" not in "".join(ids)
    finally:
        env.close()


class _ScriptedAgents:
    """A stand-in for a RemoteParallelEnv whose only agent dies as another spawns."""

    def __init__(self) -> None:
        import gymnasium as gym

        space = gym.spaces.Discrete(2)
        self.possible_agents = ["a_0", "b_0"]
        self.behaviors = {"a": ["a_0"], "b": ["b_0"]}
        self.layout = type("Layout", (), {"agents": {"a_0": "a", "b_0": "b"}})()
        self.metadata: dict[str, Any] = {}
        self.render_mode = None
        self.observation_space = self.action_space = lambda agent: space
        self.agents: list[str] = []
        self.resets = 0

    def reset(self, seed: Any = None, options: Any = None) -> Any:
        self.resets += 1
        self.agents = ["a_0"]
        return {"a_0": 0}, {"a_0": {}}

    def step(self, actions: dict[str, Any]) -> Any:
        if "a_0" in actions:  # a_0 terminates; b_0 spawns in the same step
            self.agents = ["b_0"]
            return {"a_0": 1, "b_0": 0}, {"a_0": 1.0, "b_0": 0.0}, {"a_0": True}, {}, {}
        self.agents = []  # b_0 is truncated: the game's episode is over
        return {"b_0": 1}, {"b_0": 2.0}, {"b_0": False}, {"b_0": True}, {}

    def close(self) -> None:
        pass


def test_an_rllib_episode_cut_where_only_new_agents_live_goes_on_in_the_next() -> None:
    if not IN_CI:
        pytest.importorskip("ray.rllib")
    from rlay.rllib_agents import RLlibMultiAgentEnv

    game = _ScriptedAgents()
    env = RLlibMultiAgentEnv(game)  # type: ignore[arg-type]
    assert env.reset(seed=0)[0] == {"a_0": 0}
    observations, rewards, terminated, truncated, _ = env.step({"a_0": 1})
    # RLlib would end its episode with a_0, so it ends here, truncated; b_0 waits.
    assert observations == {"a_0": 1}
    assert rewards == {"a_0": 1.0}
    assert terminated == {"a_0": True, "__all__": False}
    assert truncated == {"a_0": False, "__all__": True}
    assert env.reset() == ({"b_0": 0}, {"b_0": {}})  # the game goes on, b_0 in a new episode
    assert game.resets == 1
    observations, rewards, terminated, truncated, _ = env.step({"b_0": 0})
    assert observations == {"b_0": 1}
    assert rewards == {"b_0": 2.0}
    assert terminated["__all__"] is False
    assert truncated["__all__"] is True
    env.reset(seed=1)
    assert game.resets == 2


def test_ppo_trains_one_policy_per_behaviour_on_launched_multi_agent_games(
    ray_cluster: Any,
) -> None:
    marker = uuid.uuid4().hex
    algo = _multi_agent_ppo(MULTI_AGENT_PEER, marker)
    try:
        first = algo.train()
        assert _trained_modules(first) == {"runner", "scout"}
        games = _wait_for_games(marker, 2)
        assert len(games) == 2  # one game per env runner (the layout probe's has ended)
        os.kill(games[0], signal.SIGKILL)
        second = algo.train()
        third = algo.train()
        assert _sampled(first) < _sampled(second) < _sampled(third)
        assert _trained_modules(third) == {"runner", "scout"}
        replaced = _wait_for_games(marker, 2)
        assert games[0] not in replaced
        assert games[1] in replaced
    finally:
        algo.stop()
    assert _wait_for_games(marker, 0) == []


def test_ppo_trains_on_launched_csharp_multi_agent_peers(ray_cluster: Any) -> None:
    if not CSHARP_PEER.exists():
        pytest.fail(f"{CSHARP_PEER} is missing: nox -s rllib builds it (Tools~/build.py)")
    marker = uuid.uuid4().hex
    launch = ["mono", str(CSHARP_PEER), "--env", "multi-agent", "--mode", "dial"]
    algo = _multi_agent_ppo([*launch, "--address", "{address}"], marker)
    try:
        first = algo.train()
        second = algo.train()
        assert _sampled(first) < _sampled(second)
        assert _trained_modules(second) == {"runner", "scout"}
    finally:
        algo.stop()
