"""The reference env side: host Gymnasium environments behind rlay.

* :class:`GymBackend` is an :class:`~rlay.session.EnvBackend` running ``num_envs``
  copies of a Gymnasium env, with the autoreset modes of ``gymnasium.vector``.
* :func:`serve` listens; each agent that connects (a :class:`rlay.ClientEnv`) gets its
  own env instances, in its own thread.
* :func:`dial` connects to an agent that listens (a :class:`rlay.ServerEnv`) and
  serves that one session.

Example::

    with rlay.serve("CartPole-v1", "tcp://127.0.0.1:7000") as host:
        host.serve_forever()
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from rlay._retry import connect_with_retry
from rlay.env_session import SingleStep
from rlay.errors import (
    ConnectionClosed,
    InvalidValue,
    RemoteError,
    RlayError,
    Timeout,
)
from rlay.security import check_exposure, resolve_token
from rlay.session import (
    EnvBackend,
    EnvDescription,
    EnvSession,
    FinalStep,
    ResetResult,
    StepResult,
)
from rlay.transports import Connection, listen
from rlay.wire import DEFAULT_MAX_FRAME_SIZE

if TYPE_CHECKING:
    from rlay.transports.tls import TLSOptions

__all__ = ["CallFn", "EnvFactory", "GymBackend", "Host", "dial", "parse_autoreset_mode", "serve"]

logger = logging.getLogger("rlay.host")

#: Builds one env; called with ``render_mode=`` when it accepts that keyword.
EnvFactory = Callable[..., gym.Env[Any, Any]]
#: A named command: ``fn(envs, value) -> result`` (envs: the sub-environments).
CallFn = Callable[[list[gym.Env[Any, Any]], Any], Any]

_METADATA_SKIP = frozenset({"render_modes", "render_fps", "autoreset_mode"})
# Spaces whose batch is one array indexed by sub-env (iterate() is plain indexing).
_ARRAY_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiBinary, spaces.MultiDiscrete)


def parse_autoreset_mode(mode: AutoresetMode | str | None) -> AutoresetMode | None:
    """Accept an AutoresetMode, its value ("NextStep") or a name ("next_step", "SAME_STEP")."""
    if mode is None or isinstance(mode, AutoresetMode):
        return mode
    key = mode.replace("-", "_").strip()
    for candidate in AutoresetMode:
        if key.upper() == candidate.name or key == candidate.value:
            return candidate
    names = ", ".join(m.name.lower() for m in AutoresetMode)
    raise ValueError(f"unknown autoreset mode {mode!r}; expected one of {names}")


class GymBackend(EnvBackend):
    """Host ``num_envs`` copies of a Gymnasium env, stepped like ``SyncVectorEnv``.

    ``env`` is an id for ``gymnasium.make``, a factory, or (num_envs=1 only) an env
    instance, which then stays the caller's to close. ``autoreset_mode`` defaults to
    DISABLED for one env and NEXT_STEP for more. Named commands: ``get_attr`` (value:
    the name; returns one value per sub-env), ``set_attr`` (value: {"name", "value"} or
    {"name", "values"}), ``call_method`` ({"name", "args", "kwargs"}), plus your own::

        def set_gravity(envs, value):
            for env in envs:
                env.unwrapped.gravity = value

        backend = GymBackend("CartPole-v1", num_envs=4)
        backend.register_call("gravity", set_gravity)  # agent: env.call("gravity", 3.7)

    ``calls`` registers several at once; ``max_episode_steps`` declares the time limit
    of envs whose ``spec`` does not tell it (envs built without ``gymnasium.make``).
    """

    def __init__(
        self,
        env: str | EnvFactory | gym.Env[Any, Any],
        num_envs: int = 1,
        autoreset_mode: AutoresetMode | str | None = None,
        *,
        render_mode: str | None = None,
        env_kwargs: dict[str, Any] | None = None,
        calls: Mapping[str, CallFn] | None = None,
        max_episode_steps: int | None = None,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        if isinstance(env, gym.Env) and num_envs != 1:
            raise ValueError("an env instance can back only num_envs=1; pass an id or a factory")
        mode = parse_autoreset_mode(autoreset_mode)
        if mode is None:
            mode = AutoresetMode.DISABLED if num_envs == 1 else AutoresetMode.NEXT_STEP
        self._env_source = env
        self.num_envs = num_envs
        self.autoreset_mode = mode
        self.default_render_mode = render_mode
        self._env_kwargs = dict(env_kwargs or {})
        self.envs: list[gym.Env[Any, Any]] = []
        self._calls: dict[str, CallFn] = {
            "get_attr": _get_attr,
            "set_attr": _set_attr,
            "call_method": _call_method,
            **(calls or {}),
        }
        self._max_episode_steps = max_episode_steps
        self._description: EnvDescription | None = None

    def register_call(self, name: str, fn: CallFn) -> None:
        """Make ``fn(envs, value)`` answer the named command ``name``."""
        self._calls[name] = fn

    # -- EnvBackend --------------------------------------------------------------------

    def open(self, render_mode: str | None) -> EnvDescription:
        """Create the envs and describe them (see :class:`~rlay.session.EnvBackend`)."""
        render_mode = render_mode or self.default_render_mode
        self.envs = [self._make(render_mode) for _ in range(self.num_envs)]
        first = self.envs[0]
        modes = tuple(first.metadata.get("render_modes") or ())
        if render_mode is not None and (
            first.render_mode != render_mode or render_mode not in modes
        ):
            self.close()
            raise InvalidValue(
                f"render mode {render_mode!r} is not supported; this env has {modes}"
            )
        for other in self.envs[1:]:
            if other.observation_space != first.observation_space:
                raise RlayError("sub-environments have different observation spaces")
            if other.action_space != first.action_space:
                raise RlayError("sub-environments have different action spaces")
        self._obs_space = first.observation_space
        self._batched_actions = batch_space(first.action_space, self.num_envs)
        self._array_actions = isinstance(first.action_space, _ARRAY_SPACES)
        self._check_actions = _range_check(first.action_space)
        self._check_action = _single_check(first.action_space, self._check_actions)
        self._never_reset = True
        self._lean = (
            self.num_envs == 1
            and self.autoreset_mode is AutoresetMode.DISABLED
            and self._array_actions
            and isinstance(first.observation_space, _ARRAY_SPACES)
        )
        self._observations: Any = create_empty_array(self._obs_space, self.num_envs, fn=np.zeros)
        self._env_obs: list[Any] = [None] * self.num_envs
        self._rewards = np.zeros(self.num_envs, dtype=np.float64)
        self._terminated = np.zeros(self.num_envs, dtype=np.bool_)
        self._truncated = np.zeros(self.num_envs, dtype=np.bool_)
        self._autoreset = np.zeros(self.num_envs, dtype=np.bool_)
        spec = first.spec
        fps = first.metadata.get("render_fps")
        self._description = EnvDescription(
            env_id=self._env_id(first),
            observation_space=first.observation_space,
            action_space=first.action_space,
            num_envs=self.num_envs,
            autoreset_mode=self.autoreset_mode,
            render_modes=tuple(str(m) for m in modes),
            render_mode=first.render_mode,
            render_fps=float(fps) if isinstance(fps, (int, float)) else None,
            max_episode_steps=self._max_episode_steps
            or (spec.max_episode_steps if spec is not None else None),
            metadata=_plain_metadata(first.metadata),
        )
        return self._description

    def reset(
        self,
        seeds: list[int | None] | None,
        options: dict[str, Any] | None,
        mask: np.ndarray[Any, Any] | None,
    ) -> ResetResult:
        """Reset like ``SyncVectorEnv.reset`` (``mask`` plays ``options["reset_mask"]``)."""
        n = self.num_envs
        seed_list: Sequence[int | None] = seeds if seeds is not None else [None] * n
        infos: list[dict[str, Any]] = [{} for _ in range(n)]
        if mask is None:
            mask = np.ones(n, dtype=np.bool_)
        elif not mask.any():
            raise InvalidValue("mask: at least one sub-environment must be reset")
        self._never_reset = False
        self._terminated[mask] = False
        self._truncated[mask] = False
        self._autoreset[mask] = False
        for i in np.flatnonzero(mask).tolist():
            self._env_obs[i], infos[i] = self.envs[i].reset(seed=seed_list[i], options=options)
        self._observations = concatenate(self._obs_space, self._env_obs, self._observations)
        return ResetResult(self._observations, infos)

    def step(self, actions: Any) -> StepResult:
        """Step every sub-env, autoresetting exactly as ``SyncVectorEnv.step`` does.

        Refuses (nothing is stepped) a step before the first reset (FAILED_PRECONDITION)
        and integer actions outside a Discrete/MultiDiscrete/MultiBinary space
        (INVALID_ARGUMENT). Box actions go to the env as they are: many envs clip.
        """
        if self._never_reset:
            raise RemoteError("FAILED_PRECONDITION", "step before the first reset")
        if self._check_actions is not None:
            self._check_actions(actions)
        if self._lean:
            return self._step_one(actions)
        mode = self.autoreset_mode
        infos: list[dict[str, Any]] = []
        finals: list[FinalStep] = []
        env_obs = self._env_obs
        per_env = actions if self._array_actions else iterate(self._batched_actions, actions)
        for i, action in enumerate(per_env):
            env = self.envs[i]
            if mode is AutoresetMode.NEXT_STEP and self._autoreset[i]:
                env_obs[i], info = env.reset()
                self._rewards[i] = 0.0
                self._terminated[i] = False
                self._truncated[i] = False
            else:
                if mode is AutoresetMode.DISABLED and self._autoreset[i] and self.num_envs > 1:
                    raise InvalidValue(
                        f"sub-environment {i} has ended; reset it (mask) before stepping it again"
                    )
                obs, reward, terminated, truncated, info = env.step(action)
                env_obs[i] = obs
                self._rewards[i] = reward
                self._terminated[i] = terminated
                self._truncated[i] = truncated
                if mode is AutoresetMode.SAME_STEP and (terminated or truncated):
                    finals.append(FinalStep(i, obs, info))
                    env_obs[i], info = env.reset()
            infos.append(info)
        self._observations = concatenate(self._obs_space, env_obs, self._observations)
        np.logical_or(self._terminated, self._truncated, out=self._autoreset)
        return StepResult(
            self._observations, self._rewards, self._terminated, self._truncated, infos, finals
        )

    def single_step(self) -> Callable[[Any], SingleStep] | None:
        """:meth:`_step_single` for one env without autoreset and array spaces."""
        return self._step_single if self._lean else None

    def _step_single(self, action: Any) -> SingleStep:
        # The session's path for one env: what _step_one does, without the batch form.
        if self._never_reset:
            raise RemoteError("FAILED_PRECONDITION", "step before the first reset")
        if self._check_action is not None:
            self._check_action(action)
        obs, reward, terminated, truncated, info = self.envs[0].step(action)
        return obs, reward, terminated, truncated, info

    def _step_one(self, actions: Any) -> StepResult:
        # One env, no autoreset, array spaces: what SyncVectorEnv does, minus its
        # generic iterate/concatenate machinery (this is the benchmarked path).
        obs, reward, terminated, truncated, info = self.envs[0].step(actions[0])
        self._env_obs[0] = obs
        self._rewards[0] = reward
        self._terminated[0] = terminated
        self._truncated[0] = truncated
        self._autoreset[0] = terminated or truncated
        batch = np.asarray(obs)[np.newaxis]  # the codec casts to the space's dtype, as stack does
        return StepResult(batch, self._rewards, self._terminated, self._truncated, [info], [])

    def render(self) -> list[Any]:
        """One frame per sub-env, as each env's ``render()`` returns it."""
        return [env.render() for env in self.envs]

    def call(self, name: str, value: Any) -> Any:
        """Run a registered named command (see the class docstring)."""
        fn = self._calls.get(name)
        if fn is None:
            known = ", ".join(sorted(self._calls))
            raise RemoteError("UNIMPLEMENTED", f"no command named {name!r}; this env has {known}")
        return fn(self.envs, value)

    def close(self) -> None:
        """Close the envs this backend created."""
        if isinstance(self._env_source, gym.Env):
            return
        for env in self.envs:
            try:
                env.close()
            except Exception:
                logger.exception("closing a sub-environment failed")
        self.envs = []

    # -- helpers -----------------------------------------------------------------------

    def _make(self, render_mode: str | None) -> gym.Env[Any, Any]:
        source = self._env_source
        if isinstance(source, gym.Env):
            return source
        if isinstance(source, str):
            kwargs = dict(self._env_kwargs)
            if render_mode is not None:
                kwargs["render_mode"] = render_mode
            return gym.make(source, **kwargs)
        if render_mode is not None and _accepts_render_mode(source):
            return source(render_mode=render_mode, **self._env_kwargs)
        return source(**self._env_kwargs)

    def _env_id(self, env: gym.Env[Any, Any]) -> str:
        if isinstance(self._env_source, str):
            return self._env_source
        if env.spec is not None:
            return env.spec.id
        return type(env.unwrapped).__name__


def _range_check(space: gym.Space[Any]) -> Callable[[Any], None] | None:
    """A vectorised check that a batch of integer actions lies in ``space``."""
    low: Any
    high: Any
    if isinstance(space, spaces.Discrete):
        low, high = int(space.start), int(space.start + space.n)
    elif isinstance(space, spaces.MultiDiscrete):
        low, high = space.start, space.start + space.nvec
    elif isinstance(space, spaces.MultiBinary):
        low, high = 0, 2
    else:
        return None

    def check(actions: Any) -> None:
        if actions.size == 1 and isinstance(low, int):  # one Discrete action: skip numpy
            ok = low <= actions.item() < high
        else:
            ok = bool(((actions >= low) & (actions < high)).all())
        if not ok:
            if np.ndim(actions) == 0 or len(actions) == 1:  # one action (one sub-env or agent)
                raise InvalidValue(f"action {np.ravel(actions).tolist()} is not in {space}")
            inside = ((actions >= low) & (actions < high)).reshape(len(actions), -1).all(axis=1)
            i = int(np.flatnonzero(~inside)[0])
            raise InvalidValue(
                f"sub-environment {i}: action {actions[i].tolist()} is not in {space}"
            )

    return check


def _single_check(
    space: gym.Space[Any], check: Callable[[Any], None] | None
) -> Callable[[Any], None] | None:
    """:func:`_range_check` for one action in element form (same errors)."""
    if isinstance(space, spaces.Discrete):
        low, high = int(space.start), int(space.start + space.n)

        def check_discrete(action: Any) -> None:
            if not low <= action < high:
                raise InvalidValue(f"action {[int(action)]} is not in {space}")

        return check_discrete
    if check is None:
        return None
    batch_check = check
    return lambda action: batch_check(np.asarray(action)[np.newaxis])


def _accepts_render_mode(factory: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(
        p.name == "render_mode" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )


def _plain_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    # Only what every peer can decode travels: scalars, strings and lists of them.
    plain: dict[str, Any] = {}
    for key, value in metadata.items():
        if key in _METADATA_SKIP or not isinstance(key, str):
            continue
        if isinstance(value, (bool, int, float, str)) or (
            isinstance(value, (list, tuple))
            and all(isinstance(v, (bool, int, float, str)) for v in value)
        ):
            plain[key] = list(value) if isinstance(value, tuple) else value
    return plain


def _get_attr(envs: list[gym.Env[Any, Any]], value: Any) -> Any:
    if not isinstance(value, str):
        raise InvalidValue("get_attr: the value must be the attribute's name")
    return [env.get_wrapper_attr(value) for env in envs]


def _set_attr(envs: list[gym.Env[Any, Any]], value: Any) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise InvalidValue('set_attr: the value must be {"name": ..., "value" or "values": ...}')
    if "values" in value:
        values = list(value["values"])
        if len(values) != len(envs):
            raise InvalidValue(f"set_attr: expected {len(envs)} values, got {len(values)}")
    else:
        values = [value.get("value")] * len(envs)
    for env, item in zip(envs, values, strict=True):
        env.set_wrapper_attr(value["name"], item)


def _call_method(envs: list[gym.Env[Any, Any]], value: Any) -> Any:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise InvalidValue(
            'call_method: the value must be {"name": ..., "args": [...], "kwargs": {}}'
        )
    args = list(value.get("args") or [])
    kwargs = dict(value.get("kwargs") or {})
    results = []
    for env in envs:
        attribute = env.get_wrapper_attr(value["name"])
        results.append(attribute(*args, **kwargs) if callable(attribute) else attribute)
    return results


# --------------------------------------------------------------------------- serving


EnvSource = str | EnvFactory


class Host:
    """A listening env side; each connection gets its own :class:`GymBackend`.

    Made by :func:`serve`. ``serve_forever()`` blocks; ``start()`` serves in a
    background thread; ``close()`` stops accepting and ends every session. As a
    context manager it starts on enter and closes on exit::

        with rlay.serve("CartPole-v1", "tcp://127.0.0.1:0") as host:
            env = rlay.ClientEnv(host.address)
    """

    def __init__(
        self,
        backend_factory: Callable[[], EnvBackend],
        address: str,
        *,
        token: str | None = None,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        hello_timeout: float | None = 30.0,
        idle_timeout: float | None = None,
        tls: TLSOptions | None = None,
        insecure: bool = False,
    ) -> None:
        self._backend_factory = backend_factory
        self._token = token = resolve_token(token)
        check_exposure(address, token=token, insecure=insecure)
        self._hello_timeout = hello_timeout
        self._idle_timeout = idle_timeout
        self._listener = listen(address, side="env", max_frame_size=max_frame_size, tls=tls)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sessions: set[EnvSession] = set()
        self._threads: list[threading.Thread] = []
        self._accept_thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        """The bound address (with the real port when port 0 was asked)."""
        return str(self._listener.address)

    @property
    def active_sessions(self) -> int:
        """Sessions being served right now."""
        with self._lock:
            return len(self._sessions)

    def serve_forever(self) -> None:
        """Accept and serve connections until :meth:`close` (or Ctrl-C).

        Inside ``with serve(...) as host:`` the host already serves in the background;
        then this just blocks until :meth:`close` or Ctrl-C.
        """
        accepting = self._accept_thread
        if accepting is not None and accepting is not threading.current_thread():
            # Short waits: the main thread stays responsive to Ctrl-C.
            while not self._stop.wait(0.25):
                pass
            return
        while not self._stop.is_set():
            try:
                connection = self._listener.accept(0.25)
            except Timeout:
                continue
            except (ConnectionClosed, OSError, RlayError):
                if self._stop.is_set():
                    return
                raise
            self._spawn(connection)

    def start(self) -> Host:
        """Serve in a background thread; returns self."""
        if self._accept_thread is None:
            self._accept_thread = threading.Thread(
                target=self.serve_forever, name="rlay-host-accept", daemon=True
            )
            self._accept_thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, end every session and wait (up to ``timeout``) for them."""
        self._stop.set()
        self._listener.close()
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        if self._accept_thread is not None:
            threads.append(self._accept_thread)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Host:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _spawn(self, connection: Connection) -> None:
        name = getattr(connection, "description", "") or "connection"
        session = EnvSession(
            connection,
            self._backend_factory(),
            token=self._token,
            hello_timeout=self._hello_timeout,
            idle_timeout=self._idle_timeout,
            name=name,
        )
        thread = threading.Thread(
            target=self._run_session, args=(session,), name=f"rlay-session {name}", daemon=True
        )
        with self._lock:
            if self._stop.is_set():  # accepted just as close() began: do not start it
                connection.close()
                return
            self._sessions.add(session)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        logger.info("agent connected: %s", name)
        thread.start()

    def _run_session(self, session: EnvSession) -> None:
        try:
            session.run()
        except Exception:
            logger.exception("a session failed")
        finally:
            with self._lock:
                self._sessions.discard(session)


def _check_source(env: Any) -> None:
    if isinstance(env, gym.Env):
        raise TypeError(
            "serve() gives each connection its own env: pass an env id or a factory, "
            "not an env instance"
        )


def _parallel_backend(
    env: Any,
    render_mode: str | None,
    env_kwargs: dict[str, Any] | None,
    behaviors: Mapping[str, str] | None,
    calls: Mapping[str, CallFn] | None,
) -> Callable[[], EnvBackend] | None:
    """A maker of ParallelBackends when ``env`` gives PettingZoo parallel envs, else None."""
    from rlay.parallel_host import ParallelBackend, makes_parallel_env, resolve_env

    source = resolve_env(env) if isinstance(env, str) else env
    if not makes_parallel_env(source, env_kwargs):
        return None

    def make() -> EnvBackend:
        return ParallelBackend(
            source, render_mode=render_mode, env_kwargs=env_kwargs, behaviors=behaviors, calls=calls
        )

    return make


def serve(
    env: EnvSource,
    address: str = "tcp://127.0.0.1:0",
    *,
    num_envs: int = 1,
    autoreset_mode: AutoresetMode | str | None = None,
    token: str | None = None,
    render_mode: str | None = None,
    env_kwargs: dict[str, Any] | None = None,
    calls: Mapping[str, CallFn] | None = None,
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    hello_timeout: float | None = 30.0,
    idle_timeout: float | None = None,
    tls: TLSOptions | None = None,
    insecure: bool = False,
    behaviors: Mapping[str, str] | None = None,
) -> Host:
    """Listen on ``address`` and host ``env`` for every agent that connects.

    ``env`` may also make PettingZoo parallel envs (e.g. ``simple_spread_v3.parallel_env``,
    or ``"module:function"``): it is then hosted as a multi-agent env, whose agents are
    grouped into ``behaviors`` (see :class:`rlay.parallel_host.ParallelBackend`).

    ``render_mode`` is used when the agent asks for none; ``calls`` adds named commands
    (see :class:`GymBackend`). Raises AddressInUse when the address is taken. ``token``
    defaults to ``$RLAY_TOKEN``; an address other than loopback needs one unless
    ``insecure=True`` (:class:`~rlay.errors.UnsafeListener`); ``tls`` holds the certificate
    of a ``tls://`` address (:class:`rlay.TLSOptions`). The host is bound on return; serve
    it with ``serve_forever()`` or ``start()``, or use it as a context manager::

        host = rlay.serve("CartPole-v1", "tcp://127.0.0.1:7000", num_envs=8)
        host.serve_forever()
    """
    _check_source(env)
    mode = parse_autoreset_mode(autoreset_mode)
    parallel = _parallel_backend(env, render_mode, env_kwargs, behaviors, calls)

    def backend() -> EnvBackend:
        if parallel is not None:
            return parallel()
        return GymBackend(
            env, num_envs, mode, render_mode=render_mode, env_kwargs=env_kwargs, calls=calls
        )

    return Host(
        backend,
        address,
        token=token,
        max_frame_size=max_frame_size,
        hello_timeout=hello_timeout,
        idle_timeout=idle_timeout,
        tls=tls,
        insecure=insecure,
    )


def dial(
    env: EnvSource | gym.Env[Any, Any] | EnvBackend,
    address: str,
    *,
    num_envs: int = 1,
    autoreset_mode: AutoresetMode | str | None = None,
    token: str | None = None,
    render_mode: str | None = None,
    env_kwargs: dict[str, Any] | None = None,
    calls: Mapping[str, CallFn] | None = None,
    retry_timeout: float = 30.0,
    hello_timeout: float | None = 30.0,
    idle_timeout: float | None = None,
    tls: TLSOptions | None = None,
    behaviors: Mapping[str, str] | None = None,
) -> None:
    """Connect to a listening agent (a ServerEnv) and serve one session to its end.

    Retries while nothing listens at ``address`` yet, for up to ``retry_timeout``
    seconds, then raises Unreachable. Returns after the agent's close; raises the
    session's error if it ended otherwise (refused handshake, broken connection).
    ``env`` may also be a ready EnvBackend, or make PettingZoo parallel envs (as in
    :func:`serve`)::

        rlay.dial("CartPole-v1", os.environ["RLAY_ADDRESS"])
    """
    parallel = (
        None
        if isinstance(env, EnvBackend)
        else (_parallel_backend(env, render_mode, env_kwargs, behaviors, calls))
    )
    if isinstance(env, EnvBackend):
        backend: EnvBackend = env
    elif parallel is not None:
        backend = parallel()
    else:
        backend = GymBackend(
            env,
            num_envs,
            autoreset_mode,
            render_mode=render_mode,
            env_kwargs=env_kwargs,
            calls=calls,
        )
    connection = connect_with_retry(address, side="env", retry_timeout=retry_timeout, tls=tls)
    session = EnvSession(
        connection,
        backend,
        token=resolve_token(token),
        hello_timeout=hello_timeout,
        idle_timeout=idle_timeout,
    )
    session.run()
    if session.error is not None:
        raise session.error
