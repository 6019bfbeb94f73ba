"""Cases of the `multi-agent` environment (protocol 1.1), through rlay's PettingZoo envs
and through raw frames. Expected values come from :class:`runner.model.MultiAgent`.

Few cases, each covering a whole session: in server mode every session is a peer
process of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import rlay
from rlay.v1 import session_pb2, value_pb2
from rlay.values import decode_batch_to_elements, decode_value

from runner import model
from runner.cases import case, remote_error
from runner.compare import same, same_space
from runner.harness import Harness, accept_while_alive
from runner.raw import Raw, hello, tensor, untensor
from runner.raw_cases import (
    after_fatal,
    expect_error,
    expect_kind,
    reset_request,
    simple,
)

ENV = model.MULTI_AGENT
CAPABILITY = "multi_agent"
Actions = dict[str, Any]


def scripted_actions(step: int, live: list[str]) -> Actions:
    """Deterministic actions with edge values: every runner move, the scouts' bounds
    and -0.0 (whose bytes differ from 0.0)."""
    actions: Actions = {}
    for k, agent in enumerate(live):
        if agent.startswith("runner"):
            actions[agent] = np.int64((step + 2 * k) % 5 - 2)
        else:
            pick = [(-1.0, 1.0), (-0.0, 0.5), (0.25, -1.0)][(step + k) % 3]
            actions[agent] = np.array(pick, dtype=np.float32)
    return actions


STEP_PARTS = ("observations", "rewards", "terminated", "truncated", "infos")
RESET_PARTS = ("observations", "infos")


def same_agent_step(
    expected: tuple[Any, ...], got: tuple[Any, ...], where: str, parts: tuple[str, ...]
) -> None:
    """The dicts of a step (or reset), exactly: agents in order, values, Python types."""
    for part, want, have in zip(parts, expected, got, strict=False):
        assert list(have) == list(want), f"{where}: {part}: agents {list(have)} != {list(want)}"
        for agent, value in want.items():
            if part == "observations" and isinstance(value, dict):
                value = dict(value)
            same(value, have[agent], f"{where}: {part}[{agent!r}]")


def run_episode(agent: Any, env: model.MultiAgent, seed: int | None, where: str) -> int:
    """Reset both with ``seed`` and play the whole episode; returns its length."""
    want = env.reset(seed=seed)
    got = agent.reset(seed=seed)
    same_agent_step(want, got, f"{where} reset", RESET_PARTS)
    assert agent.agents == list(want[0]), f"{where} reset: live {agent.agents}"
    steps = 0
    while agent.agents:
        actions = scripted_actions(steps, agent.agents)
        expected = env.step(actions)
        got_step = agent.step(actions)
        steps += 1
        same_agent_step(expected, got_step, f"{where} step {steps}", STEP_PARTS)
        assert agent.agents == expected[5], f"{where} step {steps}: live {agent.agents}"
    return steps


# ------------------------------------------------------------------------- via rlay


@case("multi-agent/spec")
def multi_agent_spec(h: Harness) -> None:
    """The EnvSpec: behaviours and agents in order, every space exact, the capability."""
    expected = model.expected_multi_agent_spec()
    with h.agent(ENV) as agent:
        d = agent.description
        layout = d.agents
        assert layout is not None, "the env declares no agents"
        assert [b.name for b in layout.behaviors] == [b[0] for b in model.MultiAgent.behaviors]
        for behavior, (name, obs_space, act_space) in zip(
            layout.behaviors, model.MultiAgent.behaviors, strict=True
        ):
            same_space(obs_space, behavior.observation_space, f"{name}.observation_space")
            same_space(act_space, behavior.action_space, f"{name}.action_space")
        assert list(layout.agents.items()) == list(model.MultiAgent.agents), layout.agents
        assert agent.possible_agents == [a for a, _ in model.MultiAgent.agents]
        assert CAPABILITY in d.capabilities, d.capabilities
        assert d.env_id == expected["env_id"], d.env_id
        assert d.num_envs == expected["num_envs"], d.num_envs
        assert d.autoreset_mode.name == expected["autoreset_mode"], d.autoreset_mode
        assert list(d.render_modes) == expected["render_modes"], d.render_modes
        assert (d.max_episode_steps or 0) == expected["max_episode_steps"]
        entries = [(k, v) for k, v in d.metadata.items() if k in {"suite", "env", "version"}]
        assert entries == expected["metadata"], d.metadata


@case("multi-agent/episodes")
def multi_agent_episodes(h: Harness) -> None:
    """Whole episodes: spawns, deaths, respawns, scouts deciding every other step, per-agent
    rewards, flags and infos; the step after the end is refused; seeds (0, none, max)."""
    env = model.MultiAgent()
    with h.agent(ENV) as agent:
        assert run_episode(agent, env, 0, "seed 0") == model.MULTI_AGENT_LIMIT
        remote_error("FAILED_PRECONDITION", lambda: agent.step({}))
        run_episode(agent, env, None, "unseeded")
        run_episode(agent, env, 2**64 - 1, "seed 2^64-1")


@case("multi-agent/refuses-single-agent-client")
def multi_agent_refuses_single_agent(h: Harness) -> None:
    """A single-agent ClientEnv/ServerEnv is refused with CAPABILITY_REQUIRED naming the
    reason, on both sides; a listening peer keeps serving."""
    if h.mode == "client":
        with pytest.raises(rlay.CapabilityRequired, match=CAPABILITY):
            h.connect(ENV)
        still_serving_agents(h)
        return
    agent = rlay.ServerEnv(
        h.pool.fresh_address(h.transport), timeout=20.0, accept_timeout=15.0, wait=False
    )
    process = h.dial(ENV, agent.address, None)
    try:
        with pytest.raises(rlay.CapabilityRequired, match=CAPABILITY):
            accept_while_alive(agent, process)
    finally:
        agent.close()
    h.expect_exit(process, zero=False)
    assert CAPABILITY in process.stderr_tail(), f"the peer did not say why\n{process.describe()}"


# ---------------------------------------------------------------------------- raw


def agent_hello() -> session_pb2.SessionRequest:
    request = hello(minor=1)
    request.hello.capabilities.append(CAPABILITY)
    return request


def actions_request(entries: list[tuple[str, list[str], value_pb2.Value]]) -> Any:
    request = session_pb2.SessionRequest()
    request.step.SetInParent()
    for behavior, agents, actions in entries:
        entry = request.step.agent_actions.add(behavior=behavior)
        entry.agents.extend(agents)
        entry.actions.CopyFrom(actions)
    return request


def runner_moves(*moves: int) -> value_pb2.Value:
    return value_pb2.Value(tensor=tensor(np.array(moves, dtype=np.int64)))


def scout_moves(count: int) -> value_pb2.Value:
    return value_pb2.Value(tensor=tensor(np.full((count, 2), 0.5, dtype=np.float32)))


def still_serving_agents(h: Harness) -> None:
    """Client mode: the listening multi-agent peer serves a new session."""
    process = h.listening_process(ENV)
    assert process.alive(), f"the listening peer died\n{process.describe()}"
    conn = Raw.connect(h.listening_address(ENV))
    try:
        reply = expect_kind(conn.roundtrip(agent_hello()), "hello")
        assert CAPABILITY in reply.capabilities, reply.capabilities
        expect_kind(conn.roundtrip(reset_request([0])), "reset")
        expect_kind(conn.roundtrip(simple("close")), "close")
    finally:
        conn.close()


@case("raw/multi-agent-1.0-agent")
def raw_multi_agent_old_agent(h: Harness) -> None:
    """A 1.0 hello (no multi_agent capability) gets CAPABILITY_REQUIRED naming it; the
    connection closes; a listening peer keeps serving, a dialling one exits non-zero."""
    with h.raw(ENV) as conn:
        message = expect_error(conn.roundtrip(hello()), "CAPABILITY_REQUIRED")
        assert CAPABILITY in message, message
        assert conn.closed_within(5.0), "the peer kept the connection open"
        if h.mode == "client":
            still_serving_agents(h)
        else:
            after_fatal(h, conn, ENV)
            assert CAPABILITY in h.dialers[-1].stderr_tail(), "the peer did not say why"


@case("raw/multi-agent-malformed-steps")
def raw_multi_agent_malformed(h: Harness) -> None:
    """Actions for unknown, dead, paused or doubled agents, under the wrong behaviour, or
    missing a live agent: INVALID_ARGUMENT, nothing changes, the session goes on; the
    reset and step replies have the wire form of the contract."""
    env = model.MultiAgent()
    with h.raw(ENV) as conn:
        spec = expect_kind(conn.roundtrip(agent_hello()), "hello").env_spec
        assert [a.name for a in spec.agents] == [a for a, _ in model.MultiAgent.agents]
        check_step_refused(conn, runner_moves(0), "FAILED_PRECONDITION")  # before reset
        reset = expect_kind(conn.roundtrip(reset_request([3])), "reset")
        observations, infos = env.reset(seed=3)
        assert not reset.HasField("observations"), "a multi-agent reset sets no observations"
        same_batches(reset.agents, observations, infos, None, "reset")
        runners, scouts = ["runner_0", "runner_1"], ["scout_0", "scout_1"]
        both = ("scout", scouts, scout_moves(2))
        bad: list[list[tuple[str, list[str], value_pb2.Value]]] = [
            [("runner", runners, runner_moves(1, 1))],  # the scouts have no action
            [("runner", [*runners, "ghost"], runner_moves(1, 1, 1)), both],  # unknown
            [("runner", [*runners, "runner_2"], runner_moves(1, 1, 1)), both],  # not spawned
            [("runner", ["runner_0", "runner_0"], runner_moves(1, 1)), both],  # twice
            [("runner", [*runners, "scout_0"], runner_moves(1, 1, 1)),
             ("scout", ["scout_1"], scout_moves(1))],  # under the wrong behaviour
            [("runner", runners, runner_moves(1, 7)), both],  # 7 is not in Discrete(5, -2)
            [("runner", runners, runner_moves(1)), both],  # one action for two agents
            [("hunter", runners, runner_moves(1, 1)), both],  # unknown behaviour
        ]  # fmt: skip
        for entries in bad:
            expect_error(conn.roundtrip(actions_request(entries)), "INVALID_ARGUMENT")
        good = [("runner", runners, runner_moves(2, -2)), ("scout", scouts, scout_moves(2))]
        step = expect_kind(conn.roundtrip(actions_request(good)), "step")
        assert not step.HasField("observations"), "a multi-agent step sets no observations"
        actions = {"runner_0": np.int64(2), "runner_1": np.int64(-2)}
        actions.update({s: np.full(2, 0.5, dtype=np.float32) for s in scouts})
        expected = env.step(actions)
        same_batches(step.agents, expected[0], expected[4], expected, "step 1")
        # t = 1: the scouts are not live (they decide at even steps), runner_2 now is.
        paused = [("runner", [*runners, "runner_2"], runner_moves(0, 1, -1)), good[1]]
        expect_error(conn.roundtrip(actions_request(paused)), "INVALID_ARGUMENT")
        next_actions = [("runner", [*runners, "runner_2"], runner_moves(0, 1, -1))]
        step = expect_kind(conn.roundtrip(actions_request(next_actions)), "step")
        expected = env.step(
            {"runner_0": np.int64(0), "runner_1": np.int64(1), "runner_2": np.int64(-1)}
        )
        same_batches(step.agents, expected[0], expected[4], expected, "step 2")
        expect_kind(conn.roundtrip(simple("close")), "close")
    if h.mode == "server":
        h.expect_exit(h.dialers[-1], zero=True)


def check_step_refused(conn: Raw, actions: value_pb2.Value, code: str) -> None:
    expect_error(conn.roundtrip(actions_request([("runner", ["runner_0"], actions)])), code)


def same_batches(
    batches: Any,
    observations: dict[str, Any],
    infos: dict[str, Any],
    step: tuple[Any, ...] | None,
    where: str,
) -> None:
    """The wire form: one batch per behaviour in spec order, agents in spec order, columns
    of the right dtype and shape, infos empty when all are, ``live`` as the model says."""
    order = [a for a, _ in model.MultiAgent.agents]
    behaviors = [b[0] for b in model.MultiAgent.behaviors]
    spaces = {b[0]: b[1] for b in model.MultiAgent.behaviors}
    expected_groups = [
        (b, [a for a in order if a in observations and a.startswith(b)]) for b in behaviors
    ]
    expected_groups = [(b, agents) for b, agents in expected_groups if agents]
    got_groups = [(batch.behavior, list(batch.agents)) for batch in batches]
    assert got_groups == expected_groups, f"{where}: batches {got_groups} != {expected_groups}"
    live = set(step[5]) if step is not None else set(observations)
    for batch in batches:
        agents = list(batch.agents)
        decoded = decode_batch_to_elements(spaces[batch.behavior], batch.observations, len(agents))
        for agent, obs in zip(agents, decoded, strict=True):
            want = observations[agent]
            want = dict(want) if isinstance(want, dict) else want
            got = {"view": obs["view"], "tick": int(obs["tick"])} if isinstance(obs, dict) else obs
            same(want, got, f"{where}: observation of {agent}")
        wanted_infos = [infos[a] for a in agents]
        if not any(wanted_infos):
            assert len(batch.infos) == 0, f"{where}: {batch.behavior} infos should be empty"
        else:
            assert len(batch.infos) == len(agents), f"{where}: one info per agent"
            for agent, info, want in zip(agents, batch.infos, wanted_infos, strict=True):
                same(want, decode_value(info), f"{where}: info of {agent}")
        if step is None:
            for column in ("rewards", "terminated", "truncated", "live"):
                assert not batch.HasField(column), f"{where}: a reset reply sets no {column}"
            continue
        columns: dict[str, Callable[[str], Any]] = {
            "rewards": lambda a: step[1][a],
            "terminated": lambda a: step[2][a],
            "truncated": lambda a: step[3][a],
            "live": lambda a: a in live,
        }
        for column, value in columns.items():
            array = untensor(getattr(batch, column))
            dtype = np.float64 if column == "rewards" else np.bool_
            same(np.array([value(a) for a in agents], dtype=dtype), array, f"{where}: {column}")
