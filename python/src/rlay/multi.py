"""One vector env over several launched env programs (game instances), stepped together.

A game steps slowly next to a trainer; running N copies of it on one machine multiplies
the samples per second (what ML-Agents' ``--num-envs`` does). :class:`MultiVectorEnv`
launches ``instances`` copies of a program, each on its own address, and exposes all their
sub-environments as one ``gymnasium.vector.VectorEnv``::

    envs = rlay.MultiVectorEnv(["./Game.x86_64", "-batchmode"], instances=4)
    obs, infos = envs.reset(seed=0)          # sub-env i gets seed 0 + i, across instances
    obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
    envs.close()

Each step sends every instance its slice of the actions first, then gathers the replies
as they arrive (one ``selectors`` wait, no thread per instance), so the instances simulate
concurrently. The instances must declare the same spaces and autoreset mode, which the
vector env keeps. A dead instance raises :class:`~rlay.errors.ProcessDied` with its exit
code and last stderr lines; with ``relaunch=N`` it is instead started again (up to N times
in all) and its sub-environments report a truncated episode, as the autoreset mode wants.
"""

from __future__ import annotations

import logging
import selectors
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlay.agent_session import AgentSession, first_of_batch
from rlay.client_env import _check_reset_mask, vector_seeds
from rlay.errors import ConnectionClosed, InvalidAddress, InvalidValue, ProcessDied, Timeout
from rlay.host import parse_autoreset_mode
from rlay.protocol import FinalStep, ResetResult
from rlay.server_env import ServerVectorEnv
from rlay.wire import DEFAULT_MAX_FRAME_SIZE

if TYPE_CHECKING:
    from typing_extensions import Self

    from rlay.transports.tls import TLSOptions

__all__ = ["INDEX_FIELD", "MultiVectorEnv"]

logger = logging.getLogger("rlay.multi")

#: Replaced by the instance's index (0 .. instances - 1) in the address and the command.
INDEX_FIELD = "{index}"
#: The info key that marks sub-environments whose instance died and was relaunched.
RELAUNCHED_KEY = "rlay_relaunched"

# Spaces whose batch is one array indexed by sub-env (slicing and concatenation are numpy's).
_ARRAY_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiBinary, spaces.MultiDiscrete)


def _slice(space: gym.Space[Any], batch: Any, start: int, stop: int) -> Any:
    """Sub-environments ``start:stop`` of a batch in ``gymnasium.vector`` batch form."""
    if isinstance(space, spaces.Tuple):
        return tuple(_slice(s, b, start, stop) for s, b in zip(space.spaces, batch, strict=True))
    if isinstance(space, spaces.Dict):
        return {key: _slice(s, batch[key], start, stop) for key, s in space.spaces.items()}
    return batch[start:stop]  # arrays, and the tuples that batch Text, Graph, Sequence, OneOf


def _join(space: gym.Space[Any], parts: Sequence[Any]) -> Any:
    """Concatenate batches (one per instance) into one batch."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(space, _ARRAY_SPACES):
        return np.concatenate(parts)
    if isinstance(space, spaces.Tuple):
        return tuple(_join(s, [p[i] for p in parts]) for i, s in enumerate(space.spaces))
    if isinstance(space, spaces.Dict):
        return {key: _join(s, [p[key] for p in parts]) for key, s in space.spaces.items()}
    return tuple(item for part in parts for item in part)


def _instance_address(template: str, index: int, instances: int) -> str:
    if INDEX_FIELD in template:
        return template.replace(INDEX_FIELD, str(index))
    if instances > 1 and not template.rstrip().endswith(":0"):
        raise InvalidAddress(
            f"{template!r}: each of the {instances} instances needs its own address; "
            f"put {INDEX_FIELD} in it (e.g. unix:///tmp/game-{INDEX_FIELD}.sock) or use port 0"
        )
    return template


class MultiVectorEnv(VectorEnv[Any, Any, Any]):
    """``instances`` launched copies of an env program as one ``VectorEnv``.

    ``launch`` is the program and its arguments; ``{index}`` in any argument becomes the
    instance's index, and ``{address}`` the address it must dial (else ``-rlay-address
    ADDR`` is appended, see :class:`rlay.ServerEnv`). ``address`` is where each instance
    is awaited: port 0 (the default) picks a free port per instance; a fixed port or a
    path needs ``{index}``. An instance may host several sub-environments; the vector env
    has their sum, in instance order. ``relaunch`` is how many times in all an instance
    that died is started again before its death is raised. Other options are those of
    :class:`rlay.ServerVectorEnv`.

    Example::

        envs = rlay.MultiVectorEnv(
            [sys.executable, "-m", "rlay", "dial", "CartPole-v1"], instances=3, relaunch=2
        )
        assert envs.num_envs == 3
    """

    def __init__(
        self,
        launch: Sequence[str],
        instances: int = 1,
        *,
        address: str = "tcp://127.0.0.1:0",
        token: str | None = None,
        timeout: float | None = 30.0,
        accept_timeout: float = 60.0,
        render_mode: str | None = None,
        launch_env: Mapping[str, str] | None = None,
        launch_cwd: str | None = None,
        close_grace: float = 5.0,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        relaunch: int = 0,
        tls: TLSOptions | None = None,
        insecure: bool = False,
        autoreset_mode: AutoresetMode | str | None = None,
    ) -> None:
        if instances < 1:
            raise ValueError(f"instances must be at least 1, got {instances}")
        if relaunch < 0:
            raise ValueError(f"relaunch must be 0 or more, got {relaunch}")
        if not launch:
            raise ValueError("launch needs a command, e.g. ['./Game.x86_64']")
        self._launch = list(launch)
        self._address = address
        self._options: dict[str, Any] = {
            "token": token,
            "timeout": timeout,
            "accept_timeout": accept_timeout,
            "render_mode": render_mode,
            "launch_env": launch_env,
            "launch_cwd": launch_cwd,
            "close_grace": close_grace,
            "max_frame_size": max_frame_size,
            "tls": tls,
            "insecure": insecure,
        }
        self.relaunches_left = relaunch
        #: How many instances were relaunched so far.
        self.relaunched = 0
        self._count = instances
        self._wanted_mode = parse_autoreset_mode(autoreset_mode)
        self._instances: list[ServerVectorEnv] = []
        self._closed_instances = False
        try:
            # All programs start before any is awaited: their start-ups overlap.
            for index in range(instances):
                self._instances.append(self._start(index))
            for instance in self._instances:
                instance.accept()
        except BaseException:
            self._close_all()
            raise
        self._layout()

    # -- set-up ---------------------------------------------------------------------------

    def _start(self, index: int) -> ServerVectorEnv:
        command = [part.replace(INDEX_FIELD, str(index)) for part in self._launch]
        address = _instance_address(self._address, index, self._count)
        return ServerVectorEnv(address, launch=command, wait=False, **self._options)

    def _layout(self) -> None:
        first = self._instances[0].description
        for k, instance in enumerate(self._instances[1:], start=1):
            self._check_same(k, instance)
        counts = [instance.description.num_envs for instance in self._instances]
        self._bounds = [(sum(counts[:k]), sum(counts[: k + 1])) for k in range(len(counts))]
        self.num_envs = sum(counts)
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(first.observation_space, self.num_envs)
        self.action_space = batch_space(first.action_space, self.num_envs)
        self.metadata = dict(self._instances[0].metadata)
        self.render_mode = first.render_mode
        declared = first.autoreset_mode or AutoresetMode.DISABLED
        self.autoreset_mode: AutoresetMode = declared
        # NEXT_STEP over games of one sub-env that reset only when told (DISABLED): an
        # instance whose episode ended gets a reset instead of its next step.
        self._emulated = False
        if self._wanted_mode is not None and self._wanted_mode is not declared:
            if not (
                self._wanted_mode is AutoresetMode.NEXT_STEP
                and declared is AutoresetMode.DISABLED
                and all(stop - start == 1 for start, stop in self._bounds)
            ):
                raise InvalidValue(
                    f"the instances declare autoreset mode {declared.name}; "
                    f"{self._wanted_mode.name} can be had only as NEXT_STEP over DISABLED "
                    "instances of one sub-environment each"
                )
            self.autoreset_mode = self._wanted_mode
            self._emulated = True
            self.metadata["autoreset_mode"] = self._wanted_mode
        self._ended: set[int] = set()
        # The last observation of each instance: kept for masked resets and deaths.
        self._last: list[Any] = [None] * len(self._instances)
        # Instances relaunched and reset, whose reset is returned at the next step.
        self._pending_reset: dict[int, ResetResult] = {}

    def _check_same(self, k: int, instance: ServerVectorEnv) -> None:
        first, other = self._instances[0].description, instance.description
        for what in ("observation_space", "action_space", "autoreset_mode"):
            if getattr(first, what) != getattr(other, what):
                raise InvalidValue(
                    f"instance {k} declares {what} {getattr(other, what)}, but instance 0 "
                    f"declares {getattr(first, what)}; every instance must be the same env"
                )

    # -- properties -------------------------------------------------------------------------

    @property
    def instances(self) -> tuple[ServerVectorEnv, ...]:
        """The instances, each a :class:`rlay.ServerVectorEnv` (address, process, spaces)."""
        return tuple(self._instances)

    def instance_of(self, index: int) -> int:
        """The instance that hosts sub-environment ``index``."""
        for k, (start, stop) in enumerate(self._bounds):
            if start <= index < stop:
                return k
        raise IndexError(f"sub-environment {index} of {self.num_envs}")

    # -- gymnasium.vector.VectorEnv --------------------------------------------------------

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Reset like ``SyncVectorEnv.reset``: an int seed gives sub-env i seed + i;
        ``options["reset_mask"]`` resets only some sub-envs (the others keep theirs)."""
        n = self.num_envs
        seeds = vector_seeds(seed, n) or [None] * n
        mask = None
        if options is not None and "reset_mask" in options:
            options = dict(options)
            mask = _check_reset_mask(options.pop("reset_mask"), n)
        if seed is not None:
            self._np_random, self._np_random_seed = gym.utils.seeding.np_random(
                seed if isinstance(seed, int) else None
            )
        requests: dict[int, tuple[Any, Any]] = {}
        for k, (start, stop) in enumerate(self._bounds):
            part = None if mask is None else mask[start:stop]
            if part is not None and not part.any():
                continue  # nothing of this instance resets: it keeps its observation
            part_seeds = seeds[start:stop]
            requests[k] = (
                None if all(s is None for s in part_seeds) else part_seeds,
                None if part is None or part.all() else part,
            )
        results = self._reset_instances(requests, options)
        infos: dict[str, Any] = {}
        for k, result in results.items():
            self._pending_reset.pop(k, None)
            self._ended.discard(k)
            self._last[k] = result.observations
            start = self._bounds[k][0]
            for i, info in enumerate(result.infos):
                if info:
                    infos = self._add_info(infos, info, start + i)
        return self._observations(), infos

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step every instance with its slice of ``actions`` (batch form)."""
        ready = dict(self._pending_reset)
        self._pending_reset.clear()
        sent: dict[int, str] = {}
        failed: dict[int, ConnectionClosed] = {}
        for k, (start, stop) in enumerate(self._bounds):
            if k in ready:
                continue  # relaunched last step: its reset is this step's result
            try:
                if k in self._ended:  # emulated NEXT_STEP: the step after the end resets
                    self._session(k).send_reset()
                    sent[k] = "reset"
                else:
                    part = _slice(self.single_action_space, actions, start, stop)
                    self._session(k).send_step(part)
                    sent[k] = "step"
            except ConnectionClosed as error:
                failed[k] = error
        self._ended.clear()
        replies, more = self._gather(sent)
        failed.update(more)
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=np.bool_)
        truncated = np.zeros(self.num_envs, dtype=np.bool_)
        infos: dict[str, Any] = {}
        for k, (start, stop) in enumerate(self._bounds):
            reply = replies.get(k)
            if isinstance(reply, ResetResult):
                ready[k] = reply
                reply = None
            if reply is not None:
                step = reply
                if self._emulated and (step.terminated[0] or step.truncated[0]):
                    self._ended.add(k)
                rewards[start:stop] = step.rewards
                terminated[start:stop] = step.terminated
                truncated[start:stop] = step.truncated
                self._last[k] = step.observations
                infos = self._step_infos(infos, start, step.infos, step.finals)
            elif k in ready:
                # NEXT_STEP: the step after the (crash) end returns the reset.
                self._last[k] = ready[k].observations
                infos = self._step_infos(infos, start, ready[k].infos, [])
        for k, death in sorted(failed.items()):
            start, stop = self._bounds[k]
            truncated[start:stop] = True
            infos = self._relaunched(k, death, infos)
        return self._observations(), rewards, terminated, truncated, infos

    def render(self) -> tuple[Any, ...] | None:
        """Every instance's frames, in sub-environment order."""
        frames: list[Any] = []
        for instance in self._instances:
            frames.extend(instance.render() or ())
        return tuple(frames)

    def call(self, name: str, value: Any = None) -> list[Any]:
        """Run the named command on every instance; one result per instance."""
        return [instance.call(name, value) for instance in self._instances]

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """Each sub-env's attribute ``name`` (needs the env side's ``get_attr`` command)."""
        return tuple(value for part in self.call("get_attr", name) for value in part)

    def set_attr(self, name: str, values: Any) -> None:
        """Set attribute ``name`` on every sub-env (a list/tuple: one value per sub-env)."""
        for (start, stop), instance in zip(self._bounds, self._instances, strict=True):
            if isinstance(values, (list, tuple)):
                instance.set_attr(name, list(values[start:stop]))
            else:
                instance.set_attr(name, values)

    def close_extras(self, **kwargs: Any) -> None:
        """Close every instance: say goodbye, then end its program."""
        self._close_all()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _session(self, k: int) -> AgentSession:
        return self._instances[k]._require()

    def _observations(self) -> Any:
        return _join(self.single_observation_space, self._last)

    def _step_infos(
        self,
        infos: dict[str, Any],
        start: int,
        step_infos: Sequence[dict[str, Any]],
        finals: Sequence[FinalStep],
    ) -> dict[str, Any]:
        by_index = {final.index: final for final in finals}
        for i, info in enumerate(step_infos):
            final = by_index.get(i)
            if final is not None:
                infos = self._add_info(
                    infos, {"final_obs": final.observation, "final_info": final.info}, start + i
                )
            if info:
                infos = self._add_info(infos, info, start + i)
        return infos

    def _reset_instances(
        self, requests: dict[int, tuple[Any, Any]], options: dict[str, Any] | None
    ) -> dict[int, ResetResult]:
        """Send every reset, gather the replies; relaunch (and reset again) the dead."""
        results: dict[int, ResetResult] = {}
        while requests:
            sent: list[int] = []
            failed: dict[int, ConnectionClosed] = {}
            for k, (seeds, mask) in requests.items():
                try:
                    self._session(k).send_reset(seeds, options, mask)
                    sent.append(k)
                except ConnectionClosed as error:
                    failed[k] = error
            replies, more = self._gather(dict.fromkeys(sent, "reset"))
            failed.update(more)
            results.update(replies)
            for k, death in failed.items():
                self._replace(k, death)
            # A relaunched instance is fresh: reset all of it.
            requests = {k: (requests[k][0], None) for k in failed}
        return results

    def _gather(
        self, kinds: Mapping[int, str]
    ) -> tuple[dict[int, Any], dict[int, ConnectionClosed]]:
        """The replies (``kinds``: instance -> "step" or "reset") as they arrive, and the
        instances that died.

        Every reply is read even when an instance fails, so that no session is left with
        an unread reply that would answer its next command.
        """
        replies: dict[int, Any] = {}
        failed: dict[int, ConnectionClosed] = {}

        def receive(k: int) -> None:
            session = self._session(k)
            try:
                step = kinds[k] == "step"
                replies[k] = session.receive_step() if step else session.receive_reset()
            except ConnectionClosed as error:
                failed[k] = error

        selector = selectors.DefaultSelector()
        try:
            waiting: set[int] = set()
            for k in kinds:
                fileno = self._session(k).fileno()
                if fileno >= 0:
                    selector.register(fileno, selectors.EVENT_READ, k)
                    waiting.add(k)
            for k in kinds:
                if k not in waiting:
                    receive(k)  # a transport without a descriptor (shm, grpc): in turn
            timeouts = [self._session(k).timeout for k in waiting]
            limit = None if None in timeouts else max((t or 0.0 for t in timeouts), default=0.0)
            deadline = None if limit is None else time.monotonic() + limit
            while waiting:
                remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                ready = selector.select(remaining)
                if not ready:
                    break
                for key, _ in ready:
                    k = key.data
                    selector.unregister(key.fileobj)
                    waiting.discard(k)
                    receive(k)
        finally:
            selector.close()
        for k in sorted(waiting):
            # Out of time: a zero wait turns it into the session's own Timeout (or ProcessDied).
            session = self._session(k)
            session.timeout, saved = 0.0, session.timeout
            try:
                receive(k)
            except Timeout:
                self._raise_died(k, None)
                raise
            finally:
                session.timeout = saved
        return replies, failed

    def _relaunched(self, k: int, error: ConnectionClosed, infos: dict[str, Any]) -> dict[str, Any]:
        """Relaunch instance ``k`` after ``error``; its sub-envs end their episodes now."""
        start, stop = self._bounds[k]
        ended = self._last[k]
        self._replace(k, error)
        note = {RELAUNCHED_KEY: str(error).splitlines()[0]}
        mode = self.autoreset_mode
        if mode is AutoresetMode.DISABLED:
            # The agent resets the truncated sub-envs (masked reset); the new instance waits.
            for i in range(start, stop):
                infos = self._add_info(infos, note, i)
            return infos
        result = self._reset_instances({k: (None, None)}, None)[k]
        if mode is AutoresetMode.SAME_STEP:
            self._last[k] = result.observations
            for j, i in enumerate(range(start, stop)):
                final = _slice(self.single_observation_space, ended, j, j + 1)
                final_obs = first_of_batch(self.single_observation_space, final)
                infos = self._add_info(infos, {"final_obs": final_obs, "final_info": note}, i)
                if result.infos[j]:
                    infos = self._add_info(infos, result.infos[j], i)
        else:
            self._pending_reset[k] = result
            for i in range(start, stop):
                infos = self._add_info(infos, note, i)
        return infos

    def _replace(self, k: int, error: ConnectionClosed) -> None:
        """Start instance ``k`` again, or raise ``error`` when no relaunch is left."""
        if self.relaunches_left <= 0:
            self._raise_died(k, error)
        self.relaunches_left -= 1
        self.relaunched += 1
        logger.warning("instance %d died; relaunching it: %s", k, error)
        old = self._instances[k]
        old.close()
        instance = self._start(k)
        self._instances[k] = instance
        try:
            instance.accept()
            self._check_same(k, instance)
        except BaseException:
            self._close_all()
            raise

    def _raise_died(self, k: int, error: ConnectionClosed | None) -> None:
        """Raise the death of instance ``k`` with its exit code and stderr tail, if it died;
        else ``error`` itself (when given)."""
        instance = self._instances[k]
        launcher = instance._launcher
        died = launcher.died(wait=1.0) if launcher is not None else None
        if died is None and isinstance(error, ProcessDied):
            died = error
        if died is not None:
            raise ProcessDied(
                f"{died.command} (instance {k} of {len(self._instances)})",
                died.returncode,
                died.stderr_tail,
            ) from error
        if error is not None:
            raise error

    def _close_all(self) -> None:
        if self._closed_instances:
            return
        self._closed_instances = True
        for instance in self._instances:
            try:
                instance.close()
            except Exception:
                logger.exception("closing an instance failed")
