"""The conformance cases, as data: a name, the modes it runs in, and a check.

Every case runs against one peer, in one mode, over one transport, through a
:class:`~runner.harness.Harness`. Expected values come from :mod:`runner.model`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import rlay

from runner import model
from runner.compare import same, same_loose_scalars, same_space
from runner.harness import Harness

MODES = ("client", "server")


@dataclass(frozen=True)
class Case:
    name: str
    modes: tuple[str, ...]
    check: Callable[[Harness], None]
    doc: str


CASES: dict[str, Case] = {}


def case(name: str, modes: tuple[str, ...] = MODES) -> Callable[[Callable[[Harness], None]], Any]:
    def register(fn: Callable[[Harness], None]) -> Callable[[Harness], None]:
        assert name not in CASES, name
        CASES[name] = Case(name, modes, fn, (fn.__doc__ or "").strip())
        return fn

    return register


def case_names(mode: str) -> list[str]:
    return [name for name, c in CASES.items() if mode in c.modes]


def remote_error(code: str, fn: Callable[[], Any], contains: str = "") -> rlay.RemoteError:
    with pytest.raises(rlay.RemoteError) as caught:
        fn()
    assert caught.value.code == code, f"expected {code}, got {caught.value.code}: {caught.value}"
    assert contains in caught.value.message, f"{contains!r} not in {caught.value.message!r}"
    return caught.value


def same_step(expected: Any, got: Any, where: str) -> None:
    """(obs, reward, terminated, truncated, info) of a single env, exactly."""
    same_loose_scalars(expected[0], got[0], f"{where}: observation")
    for i, part in ((1, "reward"), (2, "terminated"), (3, "truncated")):
        same(expected[i], got[i], f"{where}: {part}")
    same(expected[4], got[4], f"{where}: info")


def run_single(agent: Any, env: Any, actions: list[Any], where: str) -> None:
    for k, action in enumerate(actions):
        same_step(env.step(action), agent.step(action), f"{where} step {k + 1}")


# ------------------------------------------------------------------------------ spec


def _spec_case(name: str) -> None:
    def check(h: Harness) -> None:
        expected = model.expected_spec(name)
        obs_space, act_space = model.spaces_of(name)
        with h.agent(name) as agent:
            d = agent.description
            same_space(obs_space, d.observation_space, "observation_space")
            same_space(act_space, d.action_space, "action_space")
            assert d.env_id == expected["env_id"], d.env_id
            assert d.num_envs == expected["num_envs"], d.num_envs
            assert d.autoreset_mode.name == expected["autoreset_mode"], d.autoreset_mode
            assert list(d.render_modes) == expected["render_modes"], d.render_modes
            assert (d.render_fps or 0.0) == expected["render_fps"], d.render_fps
            assert (d.max_episode_steps or 0) == expected["max_episode_steps"]
            assert d.render_mode is None, d.render_mode
            entries = [(k, v) for k, v in d.metadata.items() if k in {"suite", "env", "version"}]
            assert entries == expected["metadata"], d.metadata
            assert all(
                type(v) is type(e)
                for (_, v), (_, e) in zip(entries, expected["metadata"], strict=True)
            )

    check.__doc__ = f"The EnvSpec of {name!r}: spaces exact, id, num_envs, modes, metadata."
    case(f"spec/{name}")(check)


for _name in model.NAMES:
    _spec_case(_name)


# ----------------------------------------------------------------------------- seeds


@case("seed/zero-reproducible")
def seed_zero(h: Harness) -> None:
    """reset(seed=0) twice in a session gives the model's observation both times."""
    env = model.make("spaces")
    with h.agent("spaces") as agent:
        first = agent.reset(seed=0)
        same_loose_scalars(env.reset(seed=0)[0], first[0], "first reset")
        agent.step(env.action_space.sample())
        same_loose_scalars(env.reset(seed=0)[0], agent.reset(seed=0)[0], "second reset")


@case("seed/none-is-not-zero")
def seed_none(h: Harness) -> None:
    """An unseeded first reset derives the key from K0, not from seed 0."""
    env = model.make("episodes")
    with h.agent("episodes") as agent:
        got = agent.reset()[0]
        same(env.reset()[0], got, "unseeded reset")
        assert got[3] != model.make("episodes").reset(seed=0)[0][3], "no seed behaved as seed 0"


@case("seed/one-differs")
def seed_one(h: Harness) -> None:
    """Seed 1 gives its own, different, episode."""
    env = model.make("spaces")
    with h.agent("spaces") as agent:
        zero = agent.reset(seed=0)[0]
        one = agent.reset(seed=1)[0]
        same_loose_scalars(env.reset(seed=1)[0], one, "seed 1")
        assert zero["uints"]["u64"].tobytes() != one["uints"]["u64"].tobytes()


@case("seed/unseeded-chain")
def seed_chain(h: Harness) -> None:
    """Unseeded resets after a seeded one follow key = mix(key)."""
    env = model.make("episodes")
    with h.agent("episodes") as agent:
        for seed in (3, None, None, 5, None):
            same(env.reset(seed=seed)[0], agent.reset(seed=seed)[0], f"reset(seed={seed})")


@case("seed/largest-u64")
def seed_largest(h: Harness) -> None:
    """Seeds use all 64 bits: 2^64 - 1 and 2^63 are distinct valid seeds."""
    env = model.make("episodes")
    with h.agent("episodes") as agent:
        for seed in (2**64 - 1, 2**63, 2**32):
            same(env.reset(seed=seed)[0], agent.reset(seed=seed)[0], f"reset(seed={seed})")


@case("seed/per-sub-env")
def seed_per_env(h: Harness) -> None:
    """A batched reset seeds sub-env i with seeds[i]; None entries stay unseeded."""
    vec = model.make("batched-next-step")
    seeds = [None, 0, 2**63, 7]
    with h.agent("batched-next-step") as agent:
        obs, info = agent.reset(seed=seeds)
        e_obs, e_info = vec.reset(seed=seeds)
        same(e_obs, obs, "observations")
        same(e_info, info, "infos")
        same(vec.reset(seed=11)[0], agent.reset(seed=11)[0], "reset(seed=11) seeds 11..14")


# ---------------------------------------------------------------------------- spaces


def spaces_action(
    move: int = 0,
    aim: tuple[float, float] = (0.0, 0.0),
    throttle: float = 0.0,
    buttons: tuple[int, ...] = (0, 0, 0),
    gears: tuple[int, int] = (1, -1),
    small: tuple[tuple[int, int], int, int] = ((0, 0), 0, 0),
    say: str = "",
    pick: tuple[int, Any] = (0, 0),
) -> Any:
    index, value = pick
    picked = np.int64(value) if index == 0 else np.array(value, dtype=np.int32)
    return OrderedDict(
        move=np.int64(move),
        aim=np.array(aim, dtype=np.float32),
        throttle=np.array(throttle, dtype=np.float64),
        buttons=np.array(buttons, dtype=np.int8),
        gears=np.array(gears, dtype=np.int64),
        small=(
            np.array(small[0], dtype=np.int8),
            np.array(small[1], dtype=np.uint16),
            np.array(small[2], dtype=np.uint64),
        ),
        say=say,
        pick=(np.int64(index), picked),
    )


SCRIPTED_SPACES = [
    spaces_action(),
    spaces_action(-2, (-1.0, 2.0), float("inf"), (1, 1, 1), (3, 2), ((-8, 7), 65535, 2**64 - 1),
                  "\u00e9\u00e9\u00e9\u00e9", (1, (-5, 5))),
    spaces_action(2, (-0.0, -2.0), float("-inf"), (1, 0, 0), (2, 0), ((7, -8), 1, 2**63),
                  "ab", (0, 1)),
    spaces_action(1, (0.1, 1e-30), 1e300, (0, 1, 0), (1, 1), ((3, -3), 256, 1), "b\u00e9a",
                  (1, (0, -1))),
    spaces_action(-1, (1.0, -1.5), -5e-324, (0, 0, 1), (2, -1), ((-1, 1), 4660, 2**40), "a",
                  (0, 0)),
]  # fmt: skip


@case("spaces/reset-observation")
def spaces_reset(h: Harness) -> None:
    """Every space kind and dtype of the reset observation, exactly."""
    env = model.make("spaces")
    with h.agent("spaces") as agent:
        for seed in (0, 42):
            obs, info = agent.reset(seed=seed)
            e_obs, e_info = env.reset(seed=seed)
            same_loose_scalars(e_obs, obs, f"seed {seed}")
            same(e_info, info, "reset info")
            assert env.observation_space.contains(obs)


@case("spaces/scripted-trajectory")
def spaces_scripted(h: Harness) -> None:
    """Edge values in every action component (bounds, inf, -0.0, denormals, unicode, OneOf)."""
    env = model.make("spaces")
    with h.agent("spaces") as agent:
        same_loose_scalars(env.reset(seed=7)[0], agent.reset(seed=7)[0], "reset")
        run_single(agent, env, SCRIPTED_SPACES, "scripted")


@case("spaces/sampled-trajectory")
def spaces_sampled(h: Harness) -> None:
    """Sixteen actions sampled from the action space (fixed sampler seed)."""
    env = model.make("spaces")
    env.action_space.seed(1234)
    actions = [env.action_space.sample() for _ in range(16)]
    with h.agent("spaces") as agent:
        same_loose_scalars(env.reset(seed=8)[0], agent.reset(seed=8)[0], "reset")
        run_single(agent, env, actions, "sampled")


@case("spaces/every-action-component")
def spaces_components(h: Harness) -> None:
    """Changing any single action component changes the next observation as the model says."""
    base: dict[str, Any] = {}
    variants = [
        {"move": 1}, {"aim": (0.5, 0.0)}, {"throttle": 2.5}, {"buttons": (0, 0, 1)},
        {"gears": (1, 0)}, {"small": ((0, 0), 0, 1)}, {"say": "a"}, {"pick": (1, (0, 0))},
        {"small": ((0, 1), 0, 0)}, {"small": ((0, 0), 1, 0)}, {"pick": (0, 1)},
    ]  # fmt: skip
    env = model.make("spaces")
    seen = set()
    with h.agent("spaces") as agent:
        for change in [base, *variants]:
            action = spaces_action(**change)
            agent.reset(seed=9)
            env.reset(seed=9)
            expected, got = env.step(action), agent.step(action)
            same_step(expected, got, f"action {change}")
            seen.add(int(got[0]["clock"][1]))
    assert len(seen) == len(variants) + 1, "two different actions gave the same digest"


# -------------------------------------------------------------------------- episodes


def _play_episode(h: Harness, seed: int, actions_for: Callable[[int], list[int]]) -> list[Any]:
    env = model.make("episodes")
    with h.agent("episodes") as agent:
        obs, _ = agent.reset(seed=seed)
        same(env.reset(seed=seed)[0], obs, "reset")
        results = []
        for k, a in enumerate(actions_for(int(obs[2]))):
            got = agent.step(a)
            same_step(env.step(a), got, f"step {k + 1}")
            results.append(got)
    return results


@case("episodes/terminated")
def episodes_terminated(h: Harness) -> None:
    """Reaching the target before step 6 terminates without truncating."""
    results = _play_episode(h, 1, lambda target: [2] * ((target + 1) // 2))
    assert results[-1][2], results[-1][1:4]
    assert not results[-1][3], results[-1][1:4]
    assert not any(r[2] or r[3] for r in results[:-1])


@case("episodes/truncated")
def episodes_truncated(h: Harness) -> None:
    """Six steps without reaching the target truncate without terminating."""
    results = _play_episode(h, 2, lambda target: [0] * 6)
    assert results[-1][3], results[-1][1:4]
    assert not results[-1][2], results[-1][1:4]
    assert not any(r[2] or r[3] for r in results[:-1])


@case("episodes/terminated-and-truncated")
def episodes_both(h: Harness) -> None:
    """Reaching the target exactly at step 6 sets both flags."""
    results = _play_episode(h, 0, lambda target: [0] * (6 - target) + [1] * target)
    assert results[-1][2], results[-1][1:4]
    assert results[-1][3], results[-1][1:4]


@case("episodes/next-episode")
def episodes_next(h: Harness) -> None:
    """After an ended episode, an unseeded reset starts the next one from the chained key."""
    env = model.make("episodes")
    with h.agent("episodes") as agent:
        for seed in (4, None, None):
            obs, _ = agent.reset(seed=seed)
            same(env.reset(seed=seed)[0], obs, f"reset({seed})")
            run_single(agent, env, [2, 2, 2], f"episode after reset({seed})")


# ----------------------------------------------------------------------------- infos

INFO_ACTIONS = [(3, -2), (-10, 10), (0, 0), (10, -10), (-1, 1), (5, 5)]


@case("infos/reset-info")
def infos_reset(h: Harness) -> None:
    """The reset info: every value kind, exact types (bool is not int), key order."""
    env = model.make("infos")
    with h.agent("infos") as agent:
        for seed in (4, None):
            obs, info = agent.reset(seed=seed)
            e_obs, e_info = env.reset(seed=seed)
            same(e_obs, obs, "observation")
            same(e_info, info, "info")


@case("infos/step-infos")
def infos_steps(h: Harness) -> None:
    """Step infos: ints beyond 32 bits, floats, strings, tensors, lists, tuples, None, nesting."""
    env = model.make("infos")
    actions = [np.array(a, dtype=np.int32) for a in INFO_ACTIONS]
    with h.agent("infos") as agent:
        same(env.reset(seed=5)[0], agent.reset(seed=5)[0], "reset")
        run_single(agent, env, actions, "infos")


@case("infos/reset-mid-episode")
def infos_reset_mid(h: Harness) -> None:
    """A reset in the middle of an episode starts over (t = 0, s = 0)."""
    env = model.make("infos")
    with h.agent("infos") as agent:
        for seed in (6, 6):
            same(env.reset(seed=seed), agent.reset(seed=seed), "reset")
            run_single(agent, env, [np.array(a, np.int32) for a in INFO_ACTIONS[:3]], "steps")


# --------------------------------------------------------------------------- control


@case("control/render-frame")
def control_render(h: Harness) -> None:
    """rgb_array frames, pixel for pixel, as the state changes."""
    env = model.make("control", render_mode="rgb_array")
    with h.agent("control", render_mode="rgb_array") as agent:
        assert agent.description.render_mode == "rgb_array"
        agent.reset(seed=1)
        env.reset(seed=1)
        same(env.render(), agent.render(), "frame after reset")
        for a in (2, 2, 2, 1, 0):
            same_step(env.step(a), agent.step(a), f"action {a}")
            same(env.render(), agent.render(), f"frame after action {a}")


@case("control/render-without-mode")
def control_render_none(h: Harness) -> None:
    """Without a render mode the frame is unset (None)."""
    with h.agent("control") as agent:
        agent.reset(seed=1)
        assert agent.render() is None


@case("control/render-mode-refused")
def control_render_refused(h: Harness) -> None:
    """A render mode the env does not have is refused in the handshake (INVALID_ARGUMENT)."""
    if h.mode == "client":
        remote_error("INVALID_ARGUMENT", lambda: h.connect("control", render_mode="human"))
        with h.agent("control") as agent:  # still serving
            agent.reset(seed=0)
        return
    with (
        pytest.raises(rlay.RemoteError) as caught,
        h.agent("control", render_mode="human", expect_clean_exit=False),
    ):
        pass
    assert caught.value.code == "INVALID_ARGUMENT", caught.value
    h.expect_exit(h.dialers[-1], zero=False)


@case("control/call-set-gain")
def control_set_gain(h: Harness) -> None:
    """set_gain returns the previous gain and changes the dynamics."""
    env = model.make("control")
    with h.agent("control") as agent:
        agent.reset(seed=2)
        env.reset(seed=2)
        assert agent.call("set_gain", 5) == env.set_gain(5) == 1
        run_single(agent, env, [1, 1, 2], "gain 5")
        result = agent.call("set_gain", 100)
        assert type(result) is int, result
        assert result == env.set_gain(100) == 5, result
        run_single(agent, env, [2, 0, 1], "gain 100")


@case("control/call-get-state")
def control_get_state(h: Harness) -> None:
    """get_state returns a map of ints in order t, x, gain."""
    env = model.make("control")
    with h.agent("control") as agent:
        agent.reset(seed=3)
        env.reset(seed=3)
        run_single(agent, env, [1, 1, 1, 2], "steps")
        same(env.get_state(), agent.call("get_state"), "get_state")


@case("control/call-bad-value")
def control_bad_value(h: Harness) -> None:
    """set_gain with a string, 0 or 101 is an env error; nothing changes; the session goes on."""
    env = model.make("control")
    with h.agent("control") as agent:
        agent.reset(seed=4)
        env.reset(seed=4)
        for bad in ("x", 0, 101, 2.0):
            remote_error("ENV", lambda bad=bad: agent.call("set_gain", bad))
        run_single(agent, env, [1, 1], "after the refused calls")


@case("control/call-unknown")
def control_unknown(h: Harness) -> None:
    """A call name the env does not know is UNIMPLEMENTED; the session goes on."""
    env = model.make("control")
    with h.agent("control") as agent:
        agent.reset(seed=0)
        env.reset(seed=0)
        remote_error("UNIMPLEMENTED", lambda: agent.call("no_such_call", 1))
        run_single(agent, env, [1, 1], "after the unknown call")


@case("control/env-error")
def control_env_error(h: Harness) -> None:
    """Action 3 raises in the env: ERROR_CODE_ENV, nothing advances, the session goes on."""
    env = model.make("control")
    with h.agent("control") as agent:
        same(env.reset(seed=5)[0], agent.reset(seed=5)[0], "reset")
        run_single(agent, env, [1], "before")
        for _ in range(2):
            remote_error("ENV", lambda: agent.step(3), contains="action 3 is refused")
        run_single(agent, env, [1, 2, 1], "after the env error")


@case("control/gain-survives-reset")
def control_gain_reset(h: Harness) -> None:
    """The gain belongs to the connection: a reset keeps it."""
    env = model.make("control")
    with h.agent("control") as agent:
        agent.reset(seed=6)
        env.reset(seed=6)
        agent.call("set_gain", 9)
        env.set_gain(9)
        same(env.reset(seed=7)[0], agent.reset(seed=7)[0], "reset keeps gain 9")
        run_single(agent, env, [1, 1], "after reset")


# ----------------------------------------------------------------------------- large


@case("large/observation")
def large_observation(h: Harness) -> None:
    """A 9 MiB observation and a 256 KiB action, exactly, in both directions."""
    env = model.make("large")
    rng = np.random.default_rng(99)
    actions = [rng.integers(0, 256, (256, 1024), dtype=np.uint8) for _ in range(2)]
    with h.agent("large") as agent:
        same(env.reset(seed=0)[0], agent.reset(seed=0)[0], "reset")
        run_single(agent, env, actions, "large")


# --------------------------------------------------------------------------- batched

BATCH_ACTIONS = [
    (np.array([1, -1, 0, 1]), np.array([3, -3, 0, 2], dtype=np.int32)),
    (np.array([0, 1, -1, -1]), np.array([-1, 2, 3, -3], dtype=np.int32)),
    (np.array([-1, -1, 1, 0]), np.array([0, 1, -2, 1], dtype=np.int32)),
]


def _batched(h: Harness, name: str, seed: Any, steps: int) -> None:
    vec = model.make(name)
    disabled = name == "batched-disabled"
    with h.agent(name) as agent:
        same(vec.reset(seed=seed), agent.reset(seed=seed), "reset")
        for k in range(steps):
            action = BATCH_ACTIONS[k % len(BATCH_ACTIONS)]
            same(vec.step(action), agent.step(action), f"step {k + 1}")
            ended = vec._terminations | vec._truncations
            if disabled and ended.any():
                # SyncVectorEnv pops reset_mask from the dict it is given: one dict each.
                expected = vec.reset(options={"reset_mask": ended.copy()})
                got = agent.reset(options={"reset_mask": ended.copy()})
                same(expected, got, f"masked reset after step {k + 1}")


@case("batched-next-step/trajectory")
def batched_next(h: Harness) -> None:
    """NEXT_STEP: the step after an end resets, ignores the action, reward 0, reset info."""
    _batched(h, "batched-next-step", 5, 14)


@case("batched-same-step/trajectory")
def batched_same(h: Harness) -> None:
    """SAME_STEP: the ending step returns the new episode; final_obs/final_info carry the end."""
    _batched(h, "batched-same-step", 5, 14)


@case("batched-disabled/trajectory")
def batched_disabled(h: Harness) -> None:
    """DISABLED: ended sub-envs wait for a masked reset."""
    _batched(h, "batched-disabled", 5, 14)


@case("batched-disabled/masked-reset")
def batched_masked(h: Harness) -> None:
    """A masked reset resets only the masked sub-envs; the others repeat their observation."""
    vec = model.make("batched-disabled")
    with h.agent("batched-disabled") as agent:
        same(vec.reset(seed=20), agent.reset(seed=20), "reset")
        same(vec.step(BATCH_ACTIONS[0]), agent.step(BATCH_ACTIONS[0]), "step")
        mask = np.array([False, True, False, True])
        seeds = [None, 3, None, 4]
        expected = vec.reset(seed=seeds, options={"reset_mask": mask.copy()})
        same(expected, agent.reset(seed=seeds, options={"reset_mask": mask.copy()}), "masked")
        same(vec.step(BATCH_ACTIONS[1]), agent.step(BATCH_ACTIONS[1]), "step after")


@case("batched-same-step/unseeded-autoreset")
def batched_unseeded(h: Harness) -> None:
    """Automatic resets are unseeded: the next key is mix(key), over several episodes."""
    _batched(h, "batched-same-step", [1, 2, 3, 4], 24)


# --------------------------------------------------------------------------- session


@case("session/close-and-reconnect", modes=("client",))
def session_reconnect(h: Harness) -> None:
    """After close, a new connection gets fresh env instances (key K0, gain 1)."""
    for _ in range(2):
        env = model.make("control")
        with h.agent("control") as agent:
            same(env.reset()[0], agent.reset()[0], "unseeded reset of a fresh connection")
            assert agent.call("set_gain", 7) == 1


@case("session/exit-after-close", modes=("server",))
def session_exit(h: Harness) -> None:
    """The dialling peer answers close and exits 0 (checked on leaving the agent)."""
    with h.agent("episodes") as agent:
        agent.reset(seed=0)
        agent.step(1)
    assert h.dialers[-1].process.returncode == 0


@case("session/concurrent", modes=("client",))
def session_concurrent(h: Harness) -> None:
    """Two sessions at once have independent envs; interleaved commands do not mix."""
    a_env, b_env = model.make("control"), model.make("control")
    with h.agent("control") as a, h.agent("control") as b:
        same(a_env.reset(seed=1)[0], a.reset(seed=1)[0], "a reset")
        same(b_env.reset(seed=2)[0], b.reset(seed=2)[0], "b reset")
        a.call("set_gain", 3)
        a_env.set_gain(3)
        for k in range(4):
            same_step(a_env.step(1), a.step(1), f"a step {k}")
            same_step(b_env.step(2), b.step(2), f"b step {k}")


@case("session/token-accepted")
def session_token_ok(h: Harness) -> None:
    """With --token, an agent sending that token is served."""
    env = model.make("episodes")
    with h.agent("episodes", token="s3cret-\u00e9") as agent:
        same(env.reset(seed=0)[0], agent.reset(seed=0)[0], "reset")


@case("session/token-refused")
def session_token_bad(h: Harness) -> None:
    """A wrong or missing token is refused in the handshake (UNAUTHENTICATED)."""
    for agent_token in ("wrong", ""):
        if h.mode == "client":
            _, address = h.pool.get(h.peer, "episodes", h.transport, "s3cret")
            with pytest.raises(rlay.Unauthenticated):
                rlay.ClientEnv(address, token=agent_token or None, timeout=10.0)
            continue
        with (
            pytest.raises(rlay.Unauthenticated),
            h.agent("episodes", token="s3cret", agent_token=agent_token, expect_clean_exit=False),
        ):
            pass
        h.expect_exit(h.dialers[-1], zero=False)


@case("session/step-before-reset")
def session_step_first(h: Harness) -> None:
    """A step before any reset is FAILED_PRECONDITION; the session goes on."""
    env = model.make("episodes")
    with h.agent("episodes") as agent:
        remote_error("FAILED_PRECONDITION", lambda: agent.step(1))
        agent.reset(seed=3)
        env.reset(seed=3)
        run_single(agent, env, [1, 1], "after the refused step")


@case("session/sigterm", modes=("client",))
def session_sigterm(h: Harness) -> None:
    """A listening peer prints READY with the real address and exits 0 on SIGTERM."""
    process, address = h.pool.start(h.peer, "episodes", h.transport, None)
    try:
        if h.transport in ("tcp", "ws"):
            assert address.startswith(f"{h.transport}://"), address
            assert not address.endswith(":0"), address
        else:
            assert address.startswith("unix:///"), address
        with rlay.ClientEnv(address, timeout=10.0) as agent:
            agent.reset(seed=0)
    finally:
        code = process.terminate(5.0)
        details = process.describe()
        process.close_files()
    assert code == 0, f"exit code {code} after SIGTERM\n{details}"
