"""rlay environments for RLlib (Ray), new API stack: every env runner gets its own games.

``pip install "rlay[rllib]"``. Two ways to get the games:

* **launch**: each env runner starts its own game build per sub-environment through
  :class:`rlay.ServerEnv`, on an address of its own (a free port by default, or a
  template with ``{worker_index}`` and ``{vector_index}``), on one machine or many;
* **connect**: each sub-environment dials an already running game (an editor, a
  dedicated server) from a list of addresses; runner ``w`` (1, 2, ...) takes
  ``addresses[(w - 1) * M : w * M]`` for its ``M = num_envs_per_env_runner`` sub-envs;
* **pool**: each sub-environment leases a running game from a :class:`GamePool` (a named
  Ray actor) and gives it back when it closes, so each game serves one sub-env at a
  time whichever runners exist; a sub-env that finds every game leased says which
  runner it is, and which pool.

Example::

    from ray.rllib.algorithms.ppo import PPOConfig
    import rlay.rllib

    config = PPOConfig().env_runners(num_env_runners=4, num_envs_per_env_runner=2)
    config = rlay.rllib.environment(config, launch=["./Game.x86_64", "-batchmode"])
    config = config.fault_tolerance(restart_failed_sub_environments=True)
    algo = config.build_algo()

``environment`` registers :func:`env_creator` under :data:`ENV_NAME` and writes the
settings into ``env_config``; ``config.environment(ENV_NAME, env_config={...})`` does the
same by hand. Keys of ``env_config``: ``launch`` (argv; ``{worker_index}``,
``{vector_index}`` and ``{address}`` are replaced), ``address`` (launch mode's listening
address template, default ``tcp://127.0.0.1:0``), ``addresses`` (connect mode),
``pool`` (the name of a :class:`GamePool`),
``num_envs_per_env_runner``, ``token``, ``tls`` (a dict of :class:`rlay.TLSOptions`
fields), ``timeout``, ``accept_timeout``, ``connect_timeout``, ``launch_cwd``,
``launch_env``, ``observation_dtype`` (e.g. ``"float32"``: cast a Box observation),
``multi_agent`` (set by :func:`multi_agent_environment`); for multi-agent games
``flatten_observations`` (every observation a flat float32 Box) and ``lives`` (agent ids
per agent in one RLlib episode, default 4), see :mod:`rlay.rllib_agents`.

**Multi-agent games** (protocol 1.1) go through :func:`multi_agent_environment`: each
sub-environment is an :class:`rlay.rllib_agents.RLlibMultiAgentEnv` over a
:class:`rlay.ParallelServerEnv` (launch) or :class:`rlay.ParallelClientEnv` (connect),
one policy per behaviour; each life of a respawned agent is an agent id of its own
(``"runner_0"``, then ``"runner_0#2"``), mapped to its behaviour::

    config = PPOConfig().env_runners(num_env_runners=4)
    config = rlay.rllib.multi_agent_environment(config, launch=["./Game.x86_64"])
    # policies: one per behaviour; policy_mapping_fn: agent id -> behaviour

With ``config.env_runners(gym_env_vectorize_mode="vector_entry_point")`` a runner's
sub-environments are one :class:`rlay.MultiVectorEnv` instead (launch mode): its games
step concurrently rather than one after another.

A game that crashes or is killed makes the sub-environment's step raise
:class:`rlay.ProcessDied` (exit code, stderr tail); with
``config.fault_tolerance(restart_failed_sub_environments=True)`` RLlib then closes that
runner's envs and calls the creator again, which launches fresh games, and training goes
on. ``restart_failed_env_runners=True`` (RLlib's default) restarts a runner whose process
died; its new envs launch new games the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorEnv

from rlay.client_env import ClientEnv
from rlay.errors import InvalidValue
from rlay.multi import INDEX_FIELD, MultiVectorEnv
from rlay.rllib_pool import GamePool
from rlay.server_env import ServerEnv
from rlay.transports.tls import TLSOptions

__all__ = [
    "ENV_NAME",
    "GamePool",
    "env_creator",
    "environment",
    "multi_agent_environment",
    "register",
]

logger = logging.getLogger("rlay.rllib")

#: The name :func:`register` gives :func:`env_creator` in Ray's registry.
ENV_NAME = "rlay"

_DEFAULT_ADDRESS = "tcp://127.0.0.1:0"

# The vector slots of this process's env runner that hold a live env: a sub-env takes
# the lowest free one, so a runner whose envs are re-created gets the same slots back.
_slots: set[tuple[int, int]] = set()
_slots_lock = threading.Lock()


def _take_slot(worker: int, limit: int | None) -> int:
    with _slots_lock:
        index = 0
        while (worker, index) in _slots:
            index += 1
        if limit is not None and index >= limit:
            raise InvalidValue(
                f"env runner {worker} already holds {limit} games; "
                "num_envs_per_env_runner in env_config is lower than the runner's"
            )
        _slots.add((worker, index))
        return index


def _free_slot(worker: int, index: int) -> None:
    with _slots_lock:
        _slots.discard((worker, index))


class _Slotted(gym.Wrapper[Any, Any, Any, Any]):
    """Gives the slot (and a pool's lease) back when the env closes; names its runner
    and index."""

    def __init__(
        self, env: gym.Env[Any, Any], worker: int, index: int, pool: GamePool | None
    ) -> None:
        super().__init__(env)
        self.worker_index = worker
        self.vector_index = index
        self._slot: tuple[int, int] | None = (worker, index)
        self._pool = pool

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._slot is not None:
                _give_back(*self._slot, self._pool)
                self._slot = None


def _holder(worker: int, index: int) -> str:
    return f"env runner {worker} (sub-env {index})"


def _give_back(worker: int, index: int, pool: GamePool | None) -> None:
    try:
        if pool is not None:
            pool.release(_holder(worker, index))
    finally:
        _free_slot(worker, index)


def _fill(text: str, worker: int, index: int) -> str:
    return text.replace("{worker_index}", str(worker)).replace("{vector_index}", str(index))


def _tls(value: Any) -> TLSOptions | None:
    if value is None or isinstance(value, TLSOptions):
        return value
    if isinstance(value, Mapping):
        return TLSOptions(**dict(value))
    raise InvalidValue(f"env_config['tls'] must be a dict of TLSOptions fields, not {value!r}")


def env_creator(env_config: Mapping[str, Any]) -> gym.Env[Any, Any] | VectorEnv[Any, Any, Any]:
    """Make one sub-environment for the RLlib env runner named by ``env_config``
    (an ``EnvContext``: its ``worker_index`` picks the runner's games); in RLlib's
    ``vector_entry_point`` mode (``num_envs`` in it), all of the runner's sub-envs."""
    config = dict(env_config)
    num_envs = config.pop("num_envs", None)
    if num_envs is not None:  # gym_env_vectorize_mode="vector_entry_point"
        if config.get("multi_agent"):
            raise InvalidValue(
                "multi-agent envs need RLlib's default gym_env_vectorize_mode, "
                "not 'vector_entry_point'"
            )
        return _make_vector(config, int(num_envs))
    worker = int(getattr(env_config, "worker_index", 0) or 0)
    per_runner = config.get("num_envs_per_env_runner")
    launch = config.get("launch")
    addresses = config.get("addresses")
    pool_name = config.get("pool")
    if sum(value is not None for value in (launch, addresses, pool_name)) != 1:
        raise InvalidValue(
            "env_config needs exactly one of 'launch' (argv), 'addresses' and 'pool'"
        )
    index = _take_slot(worker, int(per_runner) if per_runner else None)
    pool = None
    try:
        address = None
        if pool_name is not None:
            pool = GamePool.named(str(pool_name))
            address = pool.lease(_holder(worker, index))
        elif addresses is not None:
            address = _listed(config, worker, index, addresses)
        env = _make(config, worker, index, launch, address)
    except BaseException:
        _give_back(worker, index, pool)
        raise
    dtype = config.get("observation_dtype")
    if dtype is not None and not config.get("multi_agent"):
        env = gym.wrappers.DtypeObservation(env, np.dtype(dtype).type)
    return _Slotted(env, worker, index, pool)


def _listed(config: dict[str, Any], worker: int, index: int, addresses: Sequence[str]) -> str:
    """Runner ``worker``'s address for its sub-env ``index`` from a fixed list."""
    per_runner = int(config.get("num_envs_per_env_runner") or 1)
    position = (max(worker, 1) - 1) * per_runner + index
    if position >= len(addresses):
        raise InvalidValue(
            f"env runner {worker} (sub-env {index}) has no game to connect to: env_config"
            f"['addresses'] lists {len(addresses)} games, but runner {worker} with "
            f"{per_runner} sub-envs each needs entry {position}; list one address per "
            "sub-env of every runner (num_env_runners x num_envs_per_env_runner)"
        )
    return str(addresses[position])


def _make(
    config: dict[str, Any],
    worker: int,
    index: int,
    launch: Sequence[str] | None,
    address: str | None,
) -> gym.Env[Any, Any]:
    if config.get("multi_agent"):
        # Imported here: they need pettingzoo and Ray, single-agent envs neither.
        from rlay.parallel_env import ParallelClientEnv, ParallelServerEnv
        from rlay.rllib_agents import RLlibMultiAgentEnv

        remote = _connect(
            config, worker, index, launch, address, ParallelServerEnv, ParallelClientEnv
        )
        flatten = bool(config.get("flatten_observations", False))
        lives = int(config.get("lives", 4))
        return RLlibMultiAgentEnv(remote, lives=lives, flatten_observations=flatten)
    env: gym.Env[Any, Any] = _connect(config, worker, index, launch, address, ServerEnv, ClientEnv)
    return env


def _connect(
    config: dict[str, Any],
    worker: int,
    index: int,
    launch: Sequence[str] | None,
    address: str | None,
    server: Any,
    client: Any,
) -> Any:
    """The runner's env for its sub-env ``index``: launched (``server``) or dialling
    ``address`` (``client``)."""
    tls = _tls(config.get("tls"))
    token = config.get("token")
    timeout = config.get("timeout", 30.0)
    if launch is not None:
        address = _fill(str(config.get("address", _DEFAULT_ADDRESS)), worker, index)
        command = [_fill(str(part), worker, index) for part in launch]
        logger.info("env runner %d, sub-env %d: launching %s", worker, index, command[0])
        return server(
            address,
            launch=command,
            token=token,
            timeout=timeout,
            accept_timeout=config.get("accept_timeout", 60.0),
            launch_cwd=config.get("launch_cwd"),
            launch_env=config.get("launch_env"),
            tls=tls,
        )
    assert address is not None
    logger.info("env runner %d, sub-env %d: connecting to %s", worker, index, address)
    return client(
        address,
        token=token,
        timeout=timeout,
        connect_timeout=config.get("connect_timeout", 30.0),
        tls=tls,
    )


def _make_vector(config: dict[str, Any], num_envs: int) -> VectorEnv[Any, Any, Any]:
    """All of a runner's sub-envs as one MultiVectorEnv: its games step concurrently."""
    launch = config.get("launch")
    if launch is None:
        raise InvalidValue(
            "connect and pool modes ('addresses', 'pool') need RLlib's default "
            "gym_env_vectorize_mode, not 'vector_entry_point'"
        )
    address = str(config.get("address", _DEFAULT_ADDRESS))
    if any("{worker_index}" in part for part in [address, *map(str, launch)]):
        raise InvalidValue(
            "with gym_env_vectorize_mode='vector_entry_point' RLlib does not tell the env "
            "creator its runner: leave {worker_index} out (the default port 0 addresses "
            "never collide)"
        )
    envs = MultiVectorEnv(
        [str(part).replace("{vector_index}", INDEX_FIELD) for part in launch],
        instances=num_envs,
        address=address.replace("{vector_index}", INDEX_FIELD),
        token=config.get("token"),
        timeout=config.get("timeout", 30.0),
        accept_timeout=config.get("accept_timeout", 60.0),
        launch_cwd=config.get("launch_cwd"),
        launch_env=config.get("launch_env"),
        tls=_tls(config.get("tls")),
        # RLlib's env runners expect NEXT_STEP; over games of one sub-env that reset only
        # when told, MultiVectorEnv provides it.
        autoreset_mode="next_step",
    )
    dtype = config.get("observation_dtype")
    if dtype is not None:
        return gym.wrappers.vector.DtypeObservation(envs, np.dtype(dtype).type)
    return envs


def _env_config(
    config: Any,
    launch: Sequence[str] | None,
    addresses: Sequence[str] | None,
    pool: Sequence[str] | GamePool | None,
    settings: Mapping[str, Any],
) -> dict[str, Any]:
    env_config: dict[str, Any] = dict(settings)
    needed = max(int(config.num_env_runners or 0), 1) * int(config.num_envs_per_env_runner)
    if launch is not None:
        env_config["launch"] = list(launch)
    if addresses is not None:
        env_config["addresses"] = list(addresses)
        if len(addresses) < needed:
            logger.warning(
                "%d addresses for %d sub-envs: some env runners will have no game",
                len(addresses),
                needed,
            )
    if pool is not None:
        if not isinstance(pool, GamePool):
            pool = GamePool(pool)
        env_config["pool"] = pool.name
    env_config["num_envs_per_env_runner"] = int(config.num_envs_per_env_runner)
    return env_config


def register(name: str = ENV_NAME) -> str:
    """Register :func:`env_creator` with Ray under ``name``; returns the name."""
    from ray.tune.registry import register_env

    register_env(name, env_creator)
    return name


def environment(
    config: Any,
    *,
    launch: Sequence[str] | None = None,
    addresses: Sequence[str] | None = None,
    pool: Sequence[str] | GamePool | None = None,
    **settings: Any,
) -> Any:
    """``config.environment(...)`` with rlay's env: launch mode (``launch=argv``),
    connect mode from a fixed list (``addresses=[...]``) or from a pool that lends each
    running game to one sub-env at a time (``pool=[...]`` or a :class:`GamePool`; a
    list becomes a pool, which needs ``ray.init`` first); ``settings`` are further
    ``env_config`` keys.

    Call it after ``config.env_runners(...)``: it reads ``num_envs_per_env_runner`` to
    give each runner its own addresses. Returns the config.
    """
    env_config = _env_config(config, launch, addresses, pool, settings)
    return config.environment(register(), env_config=env_config)


def multi_agent_environment(
    config: Any,
    *,
    launch: Sequence[str] | None = None,
    addresses: Sequence[str] | None = None,
    pool: Sequence[str] | GamePool | None = None,
    behaviors: Mapping[str, str] | None = None,
    **settings: Any,
) -> Any:
    """``config.environment(...)`` and ``config.multi_agent(...)`` for a multi-agent game
    (protocol 1.1): one policy per behaviour, every agent id (each life of an agent, see
    :mod:`rlay.rllib_agents`) mapped to its behaviour's policy.

    ``behaviors`` maps each agent name to its behaviour; without it the game is started
    (launch mode) or dialled (connect mode: the first address, or one the pool lends)
    once here to read its layout. Other arguments as :func:`environment`. Returns the
    config.
    """
    from rlay.rllib_agents import BehaviorMapping

    env_config = _env_config(config, launch, addresses, pool, settings)
    env_config["multi_agent"] = True
    if behaviors is None:
        probe: Any = env_creator(env_config)
        try:
            behaviors = probe.unwrapped.mapping.behavior_of
        finally:
            probe.close()
    assert behaviors is not None
    mapping = BehaviorMapping(behaviors)
    config = config.environment(register(), env_config=env_config)
    return config.multi_agent(policies=set(mapping.behavior_of.values()), policy_mapping_fn=mapping)
