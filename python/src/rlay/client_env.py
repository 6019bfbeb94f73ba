"""Gymnasium environments whose simulation runs on the other end of an rlay session.

:class:`RemoteEnv` and :class:`RemoteVectorEnv` hold the agent-side logic shared by
every way of getting a connection: :class:`ClientEnv` / :class:`ClientVectorEnv` dial
an env that listens; :class:`rlay.ServerEnv` / :class:`rlay.ServerVectorEnv` listen
and let the env dial in.

Example::

    with rlay.ClientEnv("tcp://127.0.0.1:7000") as env:
        obs, info = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import EnvSpec
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rlay._retry import connect_with_retry
from rlay.agent_session import first_of_batch
from rlay.errors import ConnectionClosed, InvalidValue, RlayError
from rlay.security import resolve_token
from rlay.session import AgentSession, EnvDescription, StepResult
from rlay.wire import DEFAULT_MAX_FRAME_SIZE

if TYPE_CHECKING:
    from typing_extensions import Self

    from rlay.transports.tls import TLSOptions

__all__ = ["ClientEnv", "ClientVectorEnv", "RemoteEnv", "RemoteVectorEnv"]

# gymnasium.make checks a requested render mode against the class metadata before the
# env exists; the real list comes from the env side in the handshake.
_ANY_RENDER_MODES = ["human", "rgb_array", "ansi", "rgb_array_list", "ansi_list", "depth_array"]


class _AgentCore:
    """The agent-side state shared by the single and the vector env classes."""

    _session: AgentSession | None = None
    _description: EnvDescription | None = None
    _lazy_attach: Callable[[], None] | None = None
    #: Whether the hello lists the "multi_agent" capability (the PettingZoo envs do).
    _multi_agent = False

    @property
    def description(self) -> EnvDescription:
        """What the env side declared in the handshake (id, spaces, num_envs, ...)."""
        if self._description is None:
            self._require()
        assert self._description is not None
        return self._description

    @property
    def timeout(self) -> float | None:
        """Seconds each reply is awaited (None: forever); may be changed at any time,
        e.g. raised for a first reset while a game loads its level."""
        return self._require().timeout

    @timeout.setter
    def timeout(self, seconds: float | None) -> None:
        self._require().timeout = seconds

    def call(self, name: str, value: Any = None) -> Any:
        """Run the env's named command ``name`` with ``value`` and return its result.

        Example: ``env.call("get_attr", "gravity")`` on a :func:`rlay.serve` host.
        """
        return self._require().call(name, value)

    def _attach(self, session: AgentSession, *, token: str | None, render_mode: str | None) -> None:
        """Run the handshake on ``session`` and take the env's spaces and metadata."""
        raise NotImplementedError

    def _require(self) -> AgentSession:
        if self._session is None and self._lazy_attach is not None:
            self._lazy_attach()
        if self._session is None or self._session.closed:
            raise ConnectionClosed("the session is over (closed, or ended by an earlier error)")
        return self._session

    def _open_session(
        self,
        session: AgentSession,
        *,
        token: str | None,
        render_mode: str | None,
    ) -> EnvDescription:
        try:
            description = session.hello(
                token=token, render_mode=render_mode, multi_agent=self._multi_agent
            )
        except BaseException:
            session.close()
            raise
        self._session = session
        self._description = description
        return description

    def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()


def _metadata(description: EnvDescription) -> dict[str, Any]:
    metadata = dict(description.metadata)
    metadata["render_modes"] = list(description.render_modes)
    metadata["render_fps"] = description.render_fps
    metadata["autoreset_mode"] = description.autoreset_mode or AutoresetMode.DISABLED
    return metadata


class RemoteEnv(_AgentCore, gym.Env[Any, Any]):
    """A ``gymnasium.Env`` backed by an :class:`~rlay.session.AgentSession` (one sub-env).

    Subclasses obtain the connection and call :meth:`_attach`.
    """

    metadata: dict[str, Any] = {"render_modes": _ANY_RENDER_MODES}  # noqa: RUF012

    def _attach(
        self,
        session: AgentSession,
        *,
        token: str | None,
        render_mode: str | None,
    ) -> None:
        description = self._open_session(session, token=token, render_mode=render_mode)
        if description.num_envs != 1:
            self._close_session()
            raise InvalidValue(
                f"the env {description.env_id!r} hosts {description.num_envs} sub-environments; "
                "use rlay.ClientVectorEnv (or rlay.ServerVectorEnv) for it"
            )
        self.observation_space = description.observation_space
        self.action_space = description.action_space
        self.metadata = _metadata(description)
        self.render_mode = description.render_mode
        self.spec = None  # ClientEnv and ServerEnv set theirs once attached

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the remote env; ``seed=0`` and ``seed=None`` stay distinct on the wire."""
        session = self._require()
        super().reset(seed=seed)
        result = session.reset([seed] if seed is not None else None, options, None)
        return first_of_batch(self.observation_space, result.observations), result.infos[0]

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Send ``action`` and return the observation it produced.

        An action that does not fit the action space raises
        :class:`~rlay.errors.InvalidValue` naming the space; nothing is sent.
        """
        session = self._require()
        try:
            return session.step_single(action)
        except (ValueError, TypeError) as error:
            if isinstance(error, RlayError):
                raise
            raise InvalidValue(
                f"action {action!r} is not in {self.action_space}: {error}"
            ) from error

    def render(self) -> Any:
        """The remote env's frame (e.g. an RGB array for ``render_mode="rgb_array"``)."""
        frames = self._require().render()
        return frames[0] if frames else None

    def close(self) -> None:
        """Close the session (the env side closes its env); safe to call twice."""
        self._close_session()
        super().close()


class RemoteVectorEnv(_AgentCore, VectorEnv[Any, Any, Any]):
    """A ``gymnasium.vector.VectorEnv`` over one session with ``num_envs`` sub-envs.

    Behaves as ``gymnasium.vector.SyncVectorEnv`` would with the env side's autoreset
    mode (``metadata["autoreset_mode"]``), infos and ``reset_mask`` included.
    """

    def _attach(
        self,
        session: AgentSession,
        *,
        token: str | None,
        render_mode: str | None,
    ) -> None:
        description = self._open_session(session, token=token, render_mode=render_mode)
        self.num_envs = description.num_envs
        self.single_observation_space = description.observation_space
        self.single_action_space = description.action_space
        self.observation_space = batch_space(description.observation_space, self.num_envs)
        self.action_space = batch_space(description.action_space, self.num_envs)
        self.metadata = _metadata(description)
        self.render_mode = description.render_mode
        self.spec = None

    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Reset like ``SyncVectorEnv.reset``: an int seeds sub-env i with seed + i;
        ``options["reset_mask"]`` resets only some sub-envs."""
        session = self._require()
        n = self.num_envs
        seeds = vector_seeds(seed, n)
        mask = None
        if options is not None and "reset_mask" in options:
            options = dict(options)
            mask = _check_reset_mask(options.pop("reset_mask"), n)
        if seed is not None:
            self._np_random, self._np_random_seed = gym.utils.seeding.np_random(
                seed if isinstance(seed, int) else None
            )
        result = session.reset(seeds, options, mask)
        infos: dict[str, Any] = {}
        for i, info in enumerate(result.infos):
            if info:
                infos = self._add_info(infos, info, i)
        return result.observations, infos

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step every sub-env with its action (batch form)."""
        observations, rewards, terminated, truncated, result = self._require().step_vector(actions)
        infos = {} if result is None else self._vector_infos(result)
        return observations, rewards, terminated, truncated, infos

    def render(self) -> tuple[Any, ...] | None:
        """One frame per sub-environment."""
        return tuple(self._require().render())

    def get_attr(self, name: str) -> tuple[Any, ...]:
        """Each sub-env's attribute ``name`` (needs the env side's ``get_attr`` command)."""
        return tuple(self.call("get_attr", name))

    def set_attr(self, name: str, values: Any) -> None:
        """Set attribute ``name`` on every sub-env (a list/tuple: one value per sub-env)."""
        if isinstance(values, (list, tuple)):
            self.call("set_attr", {"name": name, "values": list(values)})
        else:
            self.call("set_attr", {"name": name, "value": values})

    def close_extras(self, **kwargs: Any) -> None:
        """Close the session (the env side closes its envs)."""
        self._close_session()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _vector_infos(self, result: StepResult) -> dict[str, Any]:
        infos: dict[str, Any] = {}
        if not result.finals and not any(result.infos):
            return infos
        finals = {final.index: final for final in result.finals}
        for i, info in enumerate(result.infos):
            final = finals.get(i)
            if final is not None:
                infos = self._add_info(
                    infos, {"final_obs": final.observation, "final_info": final.info}, i
                )
            if info:
                infos = self._add_info(infos, info, i)
        return infos


def vector_seeds(seed: int | list[int | None] | None, n: int) -> list[int | None] | None:
    """Seeds of ``n`` sub-envs as ``SyncVectorEnv.reset`` gives them: an int seeds
    sub-env i with seed + i; a list has one seed per sub-env; None seeds none."""
    if seed is None:
        return None
    if isinstance(seed, int):
        return [seed + i for i in range(n)]
    seeds = list(seed)
    if len(seeds) != n:
        raise ValueError(
            f"If seeds are passed as a list the length must match num_envs={n} "
            f"but got length={len(seeds)}."
        )
    return seeds


def _check_reset_mask(mask: Any, n: int) -> np.ndarray[Any, Any]:
    # The same checks, and errors, as gymnasium.vector.SyncVectorEnv.
    if not isinstance(mask, np.ndarray):
        raise TypeError(f"`options['reset_mask']` must be a numpy array, got {type(mask)}")
    if mask.shape != (n,):
        raise ValueError(f"`options['reset_mask']` must have shape `({n},)`, got {mask.shape}")
    if mask.dtype != np.bool_:
        raise TypeError(f"`options['reset_mask']` must have `dtype=np.bool_`, got {mask.dtype}")
    if not np.any(mask):
        raise ValueError(
            "`options['reset_mask']` must contain a boolean array with at least one True value, "
            f"got reset_mask={mask}"
        )
    return mask


class _Dialing(_AgentCore):
    """Dial an env that listens, retrying while it starts, and run the handshake."""

    def __init__(
        self,
        address: str,
        *,
        token: str | None = None,
        timeout: float | None = 30.0,
        connect_timeout: float = 30.0,
        render_mode: str | None = None,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        tls: TLSOptions | None = None,
    ) -> None:
        token = resolve_token(token)
        connection = connect_with_retry(
            address,
            side="agent",
            retry_timeout=connect_timeout,
            max_frame_size=max_frame_size,
            tls=tls,
        )
        self.address = address
        self._attach(
            AgentSession(connection, timeout=timeout), token=token, render_mode=render_mode
        )
        self._spec_kwargs = {"address": address, "token": token, "timeout": timeout}
        self._attached()

    def _attached(self) -> None:
        """Called once the handshake is done."""


class ClientEnv(_Dialing, RemoteEnv):
    """Dial an env that listens at ``address`` (e.g. ``rlay serve`` or a game) as a gymnasium.Env.

    Connection attempts are retried for up to ``connect_timeout`` seconds (the game
    may still be starting; a warning is logged once this passes 2 s), then
    :class:`~rlay.errors.Unreachable` says "nothing listens at ADDR (tried N times over
    T s …)". Each reply is awaited up to ``timeout`` seconds. ``token`` defaults to
    ``$RLAY_TOKEN``; ``tls`` holds the certificates of a ``tls://`` address
    (:class:`rlay.TLSOptions`). The env must host exactly one sub-environment (see
    :class:`ClientVectorEnv`).

    Example::

        env = rlay.ClientEnv("tcp://127.0.0.1:7000", token="s3cret", render_mode="rgb_array")
        obs, info = env.reset(seed=42)
        frame = env.render()
        env.close()
    """

    def _attached(self) -> None:
        assert self._description is not None
        self.spec = EnvSpec(
            id="rlay/ClientEnv-v0",
            entry_point="rlay.client_env:ClientEnv",
            max_episode_steps=self._description.max_episode_steps,
            kwargs=dict(self._spec_kwargs),
        )


class ClientVectorEnv(_Dialing, RemoteVectorEnv):
    """Dial an env that listens at ``address`` and hosts ``num_envs`` sub-environments.

    ``metadata["autoreset_mode"]`` is the env side's declared mode. Example::

        envs = rlay.ClientVectorEnv("tcp://127.0.0.1:7000")
        obs, infos = envs.reset(seed=0)
        obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
    """
