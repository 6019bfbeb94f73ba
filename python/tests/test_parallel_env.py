"""Multi-agent envs (protocol 1.1): PettingZoo parallel envs through rlay, both directions."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from conftest import TIMEOUT, address_for
from gymnasium.utils.env_checker import data_equivalence
from gymnasium.vector import AutoresetMode
from mpe2 import simple_spread_v3, simple_tag_v3
from multi_agent_envs import TagEnv
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test
from pettingzoo.utils.conversions import parallel_to_aec

import rlay
from rlay.host import dial, serve

NAMES = ("obs", "rew", "term", "trunc", "info")


class ParallelOpener:
    """Opens rlay parallel envs over a PettingZoo env factory, either direction."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.cleanups: list[Callable[[], None]] = []
        self.count = 0

    def address(self, transport: str) -> str:
        self.count += 1
        return address_for(transport, self.directory, f"p{self.count}")

    def open(self, factory: Any, mode: str, transport: str = "tcp", **kwargs: Any) -> Any:
        if mode == "client":
            host = serve(factory, self.address(transport), **kwargs).start()
            self.cleanups.append(host.close)
            env = rlay.ParallelClientEnv(host.address, timeout=TIMEOUT, connect_timeout=TIMEOUT)
            self.cleanups.append(env.close)
            return env
        env = rlay.ParallelServerEnv(
            self.address(transport), wait=False, accept_timeout=TIMEOUT, timeout=TIMEOUT
        )
        thread = threading.Thread(
            target=dial,
            args=(factory, env.address),
            kwargs={"retry_timeout": TIMEOUT, **kwargs},
            daemon=True,
        )
        thread.start()
        self.cleanups.append(lambda: thread.join(TIMEOUT))
        self.cleanups.append(env.close)
        env.accept()
        return env

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                cleanup()


@pytest.fixture
def popener(short_dir: str) -> Iterator[ParallelOpener]:
    opener = ParallelOpener(short_dir)
    yield opener
    opener.close()


def run_local_and_remote(local: Any, remote: Any, seed: int, steps: int) -> int:
    """Step both with the same seeded actions; every dict must match exactly."""
    observations = [local.reset(seed=seed), remote.reset(seed=seed)]
    assert data_equivalence(observations[0], observations[1])
    assert local.agents == remote.agents
    for i, agent in enumerate(local.possible_agents):
        local.action_space(agent).seed(seed + i)
        remote.action_space(agent).seed(seed + i)
    done = 0
    while local.agents and done < steps:
        actions = {a: local.action_space(a).sample() for a in local.agents}
        remote_actions = {a: remote.action_space(a).sample() for a in remote.agents}
        assert data_equivalence(actions, remote_actions)
        expected = local.step(actions)
        got = remote.step(remote_actions)
        for name, want, have in zip(NAMES, expected, got, strict=True):
            assert list(have) == list(want), name
            if name in ("rew", "term", "trunc"):  # numpy or Python scalars: rlay gives Python's
                want = {a: type(have[a])(v) for a, v in want.items()}
            assert data_equivalence(have, want), name
        assert remote.agents == local.agents
        done += 1
    return done


# ------------------------------------------------------------------------------ API


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_parallel_api_test_passes_both_directions(
    popener: ParallelOpener, mode: str, transport: str
) -> None:
    env = popener.open(TagEnv, mode, transport)
    parallel_api_test(env, num_cycles=20)


def test_every_agent_space_is_rebuilt_exactly(popener: ParallelOpener, mode: str) -> None:
    env = popener.open(TagEnv, mode)
    local = TagEnv()
    assert env.possible_agents == local.possible_agents
    for agent in local.possible_agents:
        assert env.observation_space(agent) == local.observation_space(agent)
        assert env.action_space(agent) == local.action_space(agent)
        assert env.observation_space(agent) is env.observation_space(agent)
    assert env.behaviors == {"hunter": ["hunter_0", "hunter_1"], "prey": ["prey_0", "prey_1"]}
    assert env.metadata["name"] == "tag_v0"


def test_agents_die_and_spawn_and_report_exactly(popener: ParallelOpener, mode: str) -> None:
    env = popener.open(TagEnv, mode)
    assert run_local_and_remote(TagEnv(), env, seed=5, steps=50) == 6
    assert env.agents == []


def test_infos_and_reset_options_travel(popener: ParallelOpener) -> None:
    env = popener.open(TagEnv, "client")
    _, infos = env.reset(seed=1, options={"level": 2})
    assert infos["hunter_0"]["options"] == {"level": 2}
    _, _, _, _, infos = env.step({a: env.action_space(a).sample() for a in env.agents})
    assert infos["prey_0"]["tag"] == "prey_0@1"
    assert infos["prey_0"]["x"].dtype == np.float32


def test_render_gives_the_env_frame(popener: ParallelOpener) -> None:
    env = popener.open(TagEnv, "client")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (2, 4, 3)
    assert frame.dtype == np.uint8


def test_aec_form_through_pettingzoo_converter(popener: ParallelOpener) -> None:
    env = popener.open(TagEnv, "client")
    api_test(parallel_to_aec(env), num_cycles=20)


def test_parallel_env_refuses_a_single_agent_env(popener: ParallelOpener) -> None:
    host = serve("CartPole-v1", popener.address("tcp")).start()
    popener.cleanups.append(host.close)
    with pytest.raises(rlay.InvalidValue, match="declares no agents"):
        rlay.ParallelClientEnv(host.address, connect_timeout=TIMEOUT)


# -------------------------------------------------------------------------- errors


def test_single_agent_client_is_refused_and_the_host_keeps_serving(
    popener: ParallelOpener,
) -> None:
    host = serve(TagEnv, popener.address("tcp")).start()
    popener.cleanups.append(host.close)
    with pytest.raises(rlay.CapabilityRequired, match="multi_agent"):
        rlay.ClientEnv(host.address, connect_timeout=TIMEOUT)
    env = rlay.ParallelClientEnv(host.address, connect_timeout=TIMEOUT)
    popener.cleanups.append(env.close)
    assert env.reset(seed=0)[0].keys() == {"hunter_0", "prey_0", "hunter_1"}


def test_single_agent_server_env_is_refused(popener: ParallelOpener) -> None:
    agent = rlay.ServerEnv(popener.address("unix"), wait=False, accept_timeout=TIMEOUT)
    popener.cleanups.append(agent.close)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            dial(TagEnv, agent.address, retry_timeout=TIMEOUT)
        except rlay.RlayError as error:
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    with pytest.raises(rlay.CapabilityRequired, match="multi_agent"):
        agent.accept()
    thread.join(TIMEOUT)
    assert len(errors) == 1
    assert isinstance(errors[0], rlay.CapabilityRequired)


@pytest.mark.parametrize(
    ("actions", "match"),
    [
        ({"hunter_0": 1, "prey_0": [0, 1]}, r"no action for the live agents \['hunter_1'\]"),
        ({"hunter_0": 1, "prey_0": [0, 1], "hunter_1": 0, "prey_1": [1, 1]}, "not live"),
        ({"hunter_0": 7, "prey_0": [0, 1], "hunter_1": 0}, "not in Discrete"),
    ],
)
def test_malformed_step_is_a_typed_error_and_the_session_goes_on(
    popener: ParallelOpener, mode: str, actions: dict[str, Any], match: str
) -> None:
    env = popener.open(TagEnv, mode)
    env.reset(seed=0)
    with pytest.raises(rlay.RemoteError, match=match) as caught:
        env.step({a: np.asarray(v) for a, v in actions.items()})
    assert caught.value.code == "INVALID_ARGUMENT"
    with pytest.raises(rlay.InvalidValue, match="unknown agent 'ghost'"):
        env.step({"ghost": 1})  # refused before it is sent
    observations, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
    assert set(observations) == {"hunter_0", "prey_0", "hunter_1"}


def test_step_after_the_episode_is_over_is_refused(popener: ParallelOpener) -> None:
    env = popener.open(TagEnv, "client", env_kwargs={"limit": 1})
    env.reset(seed=0)
    env.step({a: env.action_space(a).sample() for a in env.agents})
    assert env.agents == []
    with pytest.raises(rlay.RemoteError, match="episode is over") as caught:
        env.step({})
    assert caught.value.code == "FAILED_PRECONDITION"
    assert env.reset(seed=1)[0]


def test_step_before_reset_is_refused(popener: ParallelOpener) -> None:
    env = popener.open(TagEnv, "client")
    with pytest.raises(rlay.RemoteError) as caught:
        env.step({})
    assert caught.value.code == "FAILED_PRECONDITION"


# ---------------------------------------------------------------------------- mpe2


@pytest.mark.parametrize("module", ["simple_spread_v3", "simple_tag_v3"])
def test_seeded_mpe2_env_reproduces_local_trajectories(
    popener: ParallelOpener, mode: str, module: str
) -> None:
    factory = {"simple_spread_v3": simple_spread_v3, "simple_tag_v3": simple_tag_v3}[module]
    remote = popener.open(factory.parallel_env, mode, env_kwargs={"max_cycles": 30})
    local = factory.parallel_env(max_cycles=30)
    assert run_local_and_remote(local, remote, seed=7, steps=100) == 30
    if module == "simple_tag_v3":
        assert sorted(remote.behaviors) == ["adversary", "agent"]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "rlay", *args]


@contextlib.contextmanager
def cli_host(spec: str, address: str) -> Iterator[str]:
    process = subprocess.Popen(
        cli("serve", spec, "--address", address), stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("rlay: listening on "), line
        yield line.removeprefix("rlay: listening on ").strip()
    finally:
        process.terminate()
        process.wait(TIMEOUT)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_cli_hosted_pettingzoo_env_passes_the_api_and_seed_tests(
    short_dir: str, mode: str, transport: str
) -> None:
    spec = "mpe2.simple_spread_v3:parallel_env"
    if mode == "client":
        with cli_host(spec, address_for(transport, short_dir)) as address:
            parallel_api_test(rlay.ParallelClientEnv(address), num_cycles=30)
            parallel_seed_test(lambda: rlay.ParallelClientEnv(address), num_cycles=30)
        return
    counter = iter(range(10))

    def launched() -> Any:
        address = address_for(transport, short_dir, f"srv{next(counter)}")
        return rlay.ParallelServerEnv(address, launch=cli("dial", spec), accept_timeout=60)

    env = launched()
    try:
        parallel_api_test(env, num_cycles=30)
    finally:
        env.close()
    parallel_seed_test(launched, num_cycles=30)


# -------------------------------------------------------------------- vector view


@pytest.mark.parametrize("autoreset", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_behavior_vector_env_matches_the_local_env(
    popener: ParallelOpener, autoreset: AutoresetMode
) -> None:
    factory = simple_spread_v3.parallel_env
    remote = rlay.BehaviorVectorEnv(
        popener.open(factory, "client", env_kwargs={"max_cycles": 4}), autoreset_mode=autoreset
    )
    local = rlay.BehaviorVectorEnv(
        factory(max_cycles=4), agents=["agent_0", "agent_1", "agent_2"], autoreset_mode=autoreset
    )
    assert remote.num_envs == 3
    assert remote.single_observation_space == local.single_observation_space
    assert data_equivalence(remote.reset(seed=3), local.reset(seed=3))
    remote.action_space.seed(0)
    ends = 0
    for _ in range(10):
        actions = remote.action_space.sample()
        got, want = remote.step(actions), local.step(actions)
        assert data_equivalence(got, want)
        ends += int(got[3].all())
    assert ends == 2
    if autoreset is AutoresetMode.SAME_STEP:
        assert "final_obs" not in got[4]


def test_behavior_vector_env_acts_for_other_behaviours(popener: ParallelOpener) -> None:
    alone = rlay.BehaviorVectorEnv(popener.open(TagEnv, "client"), "hunter")
    alone.reset(seed=0)
    with pytest.raises(rlay.RlayError, match="pass others="):
        alone.step(alone.action_space.sample())

    seen: list[list[str]] = []

    def others(observations: dict[str, Any]) -> dict[str, Any]:
        seen.append(sorted(observations))
        return {a: np.array([1, 0], dtype=np.int8) for a in observations}

    envs = rlay.BehaviorVectorEnv(popener.open(TagEnv, "client"), "hunter", others=others)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (2, 2)
    envs.step(np.array([1, 2]))
    envs.step(np.array([1, 2]))
    with pytest.raises(rlay.RlayError, match="always live"):
        envs.step(np.array([1, 2]))  # hunter_1 terminates while hunter_0 goes on
    assert seen == [["prey_0"], ["prey_0"], ["prey_0", "prey_1"]]


class _SB3VecEnv:
    """The few lines that put a gymnasium VectorEnv (SAME_STEP) under SB3's VecEnv API."""

    def __new__(cls, envs: Any) -> Any:
        from stable_baselines3.common.vec_env import VecEnv

        class Adapter(VecEnv):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__(
                    envs.num_envs, envs.single_observation_space, envs.single_action_space
                )
                self._actions: Any = None

            def reset(self) -> Any:
                return envs.reset(seed=self._seeds[0] if self._seeds else None)[0]

            def step_async(self, actions: Any) -> None:
                self._actions = actions

            def step_wait(self) -> Any:
                obs, rewards, terminated, truncated, infos = envs.step(self._actions)
                dones = terminated | truncated
                out = [{} for _ in range(envs.num_envs)]
                for i in np.flatnonzero(dones):
                    out[i]["terminal_observation"] = infos["final_obs"][i]
                    out[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                return obs, rewards.astype(np.float32), dones, out

            def close(self) -> None:
                envs.close()

            def get_attr(self, name: str, indices: Any = None) -> list[Any]:
                return [getattr(envs, name)] * envs.num_envs

            def set_attr(self, name: str, value: Any, indices: Any = None) -> None:
                setattr(envs, name, value)

            def env_method(self, name: str, *args: Any, indices: Any = None, **kw: Any) -> Any:
                return [getattr(envs, name)(*args, **kw)] * envs.num_envs

            def env_is_wrapped(self, wrapper_class: Any, indices: Any = None) -> list[bool]:
                return [False] * envs.num_envs

        return Adapter()


@pytest.mark.sb3
@pytest.mark.timeout(300)
def test_stable_baselines3_ppo_trains_one_shared_policy_on_a_behaviour(
    popener: ParallelOpener,
) -> None:
    from stable_baselines3 import PPO

    remote = popener.open(simple_spread_v3.parallel_env, "client", env_kwargs={"max_cycles": 25})
    envs = rlay.BehaviorVectorEnv(remote, "agent", autoreset_mode=AutoresetMode.SAME_STEP)
    vec = _SB3VecEnv(envs)
    model = PPO("MlpPolicy", vec, n_steps=64, batch_size=64, n_epochs=2, seed=0, device="cpu")
    model.learn(total_timesteps=3 * 64 * 2)
    assert model.num_timesteps >= 3 * 64 * 2
    obs = vec.reset()
    actions, _ = model.predict(obs, deterministic=True)
    assert actions.shape == (3,)
    assert all(envs.single_action_space.contains(int(a)) for a in actions)
