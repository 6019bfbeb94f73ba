"""The rlay session: handshake, then one reply per command.

Two classes speak the protocol defined in ``proto/rlay/v1/session.proto``:

* :class:`AgentSession` is the agent side (the Python trainer). It sends
  ``hello`` and then commands, and turns every error reply into a typed
  exception. Every receive waits at most ``timeout`` seconds.
* :class:`EnvSession` is the env side. It answers the commands of one
  connection with an :class:`EnvBackend` (see :mod:`rlay.host` for the one that
  hosts Gymnasium environments).

Both work on any :class:`rlay.transports` connection, whoever dialled whom::

    session = AgentSession(connection, timeout=10.0)
    description = session.hello(token=None, render_mode=None)
    result = session.reset(seeds=[0], options=None, mask=None)
    step = session.step(actions)
    session.close()
"""

from __future__ import annotations

import abc
import contextlib
import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import gymnasium as gym
import numpy as np
from google.protobuf.message import DecodeError
from gymnasium.vector import AutoresetMode

from rlay._version import __version__
from rlay.errors import (
    ConnectionClosed,
    FrameTooLarge,
    InvalidValue,
    ProtocolError,
    RemoteError,
    RlayError,
    Timeout,
    Unauthenticated,
    UnsupportedSpace,
    VersionMismatch,
)
from rlay.spaces import space_from_proto, space_to_proto
from rlay.tensors import decode_tensor
from rlay.transports.base import Connection
from rlay.v1 import session_pb2, tensor_pb2
from rlay.values import (
    decode_batch,
    decode_element,
    decode_value,
    fill_batch,
    fill_element,
    fill_value,
)

__all__ = [
    "CAPABILITIES",
    "IMPLEMENTATION",
    "PROTOCOL_VERSION",
    "AgentSession",
    "EnvBackend",
    "EnvDescription",
    "EnvSession",
    "FinalStep",
    "ResetResult",
    "StepResult",
]

logger = logging.getLogger("rlay.session")

#: (major, minor) of the protocol this package speaks.
PROTOCOL_VERSION = (1, 0)
IMPLEMENTATION = "rlay-python"
CAPABILITIES = ("render", "call")

# The contract: errors about one command leave the session going (a typo in a call
# name must not end a training run); after any other error the env side closes.
_RECOVERABLE = frozenset(
    {
        session_pb2.ERROR_CODE_ENV,
        session_pb2.ERROR_CODE_INVALID_ARGUMENT,
        session_pb2.ERROR_CODE_UNIMPLEMENTED,
        session_pb2.ERROR_CODE_FAILED_PRECONDITION,
    }
)

_AUTORESET_TO_PROTO = {
    None: session_pb2.AUTORESET_MODE_UNSPECIFIED,
    AutoresetMode.NEXT_STEP: session_pb2.AUTORESET_MODE_NEXT_STEP,
    AutoresetMode.SAME_STEP: session_pb2.AUTORESET_MODE_SAME_STEP,
    AutoresetMode.DISABLED: session_pb2.AUTORESET_MODE_DISABLED,
}
_AUTORESET_FROM_PROTO = {v: k for k, v in _AUTORESET_TO_PROTO.items()}


def error_code_name(code: int) -> str:
    """``ERROR_CODE_ENV`` -> ``"ENV"``; unknown numbers come back as ``"CODE_<n>"``."""
    try:
        return str(session_pb2.ErrorCode.Name(code)).removeprefix("ERROR_CODE_")
    except ValueError:
        return f"CODE_{code}"


def error_code_value(name: str) -> session_pb2.ErrorCode:
    """``"ENV"`` -> ``ERROR_CODE_ENV``; unknown names map to ``ERROR_CODE_UNSPECIFIED``."""
    try:
        # The stubs type Value() as int; at runtime it is the enum's number either way.
        return cast("session_pb2.ErrorCode", session_pb2.ErrorCode.Value("ERROR_CODE_" + name))
    except ValueError:
        return session_pb2.ERROR_CODE_UNSPECIFIED


@dataclass(frozen=True)
class EnvDescription:
    """What the agent side learns about an env in the handshake (the wire's ``EnvSpec``).

    Example::

        EnvDescription("CartPole-v1", Box(...), Discrete(2), num_envs=1,
                       autoreset_mode=AutoresetMode.DISABLED)
    """

    env_id: str
    observation_space: gym.Space[Any]
    action_space: gym.Space[Any]
    num_envs: int = 1
    autoreset_mode: AutoresetMode | None = None
    render_modes: tuple[str, ...] = ()
    render_mode: str | None = None
    render_fps: float | None = None
    max_episode_steps: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: The peer's hello fields (filled on the agent side).
    implementation: str = ""
    implementation_version: str = ""
    capabilities: tuple[str, ...] = ()

    def fill_proto(self, msg: session_pb2.EnvSpec) -> None:
        """Write this description into an ``EnvSpec`` message."""
        msg.env_id = self.env_id
        msg.observation_space.CopyFrom(space_to_proto(self.observation_space))
        msg.action_space.CopyFrom(space_to_proto(self.action_space))
        msg.num_envs = self.num_envs
        msg.autoreset_mode = _AUTORESET_TO_PROTO[self.autoreset_mode]
        msg.render_modes[:] = list(self.render_modes)
        msg.render_mode = self.render_mode or ""
        msg.render_fps = float(self.render_fps or 0.0)
        msg.max_episode_steps = int(self.max_episode_steps or 0)
        if self.metadata:
            fill_value(msg.metadata, dict(self.metadata))

    @classmethod
    def from_hello(cls, hello: session_pb2.Hello) -> EnvDescription:
        """Rebuild a description (spaces included) from an env side's hello."""
        spec = hello.env_spec
        if spec.num_envs < 1:
            raise ProtocolError(f"env spec declares num_envs={spec.num_envs}; at least 1 needed")
        if spec.autoreset_mode not in _AUTORESET_FROM_PROTO:
            raise ProtocolError(f"unknown autoreset mode {spec.autoreset_mode}")
        metadata = decode_value(spec.metadata) if spec.HasField("metadata") else {}
        return cls(
            env_id=spec.env_id,
            observation_space=space_from_proto(spec.observation_space),
            action_space=space_from_proto(spec.action_space),
            num_envs=spec.num_envs,
            autoreset_mode=_AUTORESET_FROM_PROTO[spec.autoreset_mode],
            render_modes=tuple(spec.render_modes),
            render_mode=spec.render_mode or None,
            render_fps=spec.render_fps or None,
            max_episode_steps=spec.max_episode_steps or None,
            metadata=metadata if isinstance(metadata, dict) else {"value": metadata},
            implementation=hello.implementation,
            implementation_version=hello.implementation_version,
            capabilities=tuple(hello.capabilities),
        )


@dataclass(frozen=True)
class FinalStep:
    """The ending observation and info of a sub-env reset in the same step."""

    index: int
    observation: Any
    info: dict[str, Any]


class ResetResult(NamedTuple):
    """Batched observations and one info dict per sub-environment."""

    observations: Any
    infos: list[dict[str, Any]]


class StepResult(NamedTuple):
    """One step of every sub-environment (batch form, like a vector env)."""

    observations: Any
    rewards: np.ndarray[Any, Any]
    terminated: np.ndarray[Any, Any]
    truncated: np.ndarray[Any, Any]
    infos: list[dict[str, Any]]
    finals: list[FinalStep]


# --------------------------------------------------------------------------- agent side


class AgentSession:
    """The agent side of one session over an open connection.

    Every reply is awaited at most ``timeout`` seconds; a :class:`~rlay.errors.Timeout`
    or :class:`~rlay.errors.ConnectionClosed` ends the session (a late reply would
    otherwise answer the wrong command). ``on_lost`` is called with that error before
    it is raised, so that an owner can raise a better one (e.g. ProcessDied).

    Example::

        session = AgentSession(rlay.transports.connect("tcp://127.0.0.1:7000", side="agent"))
        spec = session.hello()
        obs, infos = session.reset(seeds=[42])
    """

    def __init__(
        self,
        connection: Connection,
        *,
        timeout: float | None = 30.0,
        on_lost: Callable[[RlayError], None] | None = None,
    ) -> None:
        self._connection: Connection | None = connection
        self.timeout = timeout
        self._on_lost = on_lost
        # Every frame gets a fresh message: upb keeps a message's memory in an arena
        # that only grows, so a reused message leaks (about 1 KB per step, a frame's
        # size per step for large observations) and makes every step fault in pages.
        self._description: EnvDescription | None = None

    @property
    def description(self) -> EnvDescription:
        """The env's description, known after :meth:`hello`."""
        if self._description is None:
            raise RlayError("the handshake has not happened yet; call hello() first")
        return self._description

    @property
    def closed(self) -> bool:
        """True once the connection is closed (by close(), an error or the peer)."""
        return self._connection is None

    def hello(self, *, token: str | None = None, render_mode: str | None = None) -> EnvDescription:
        """Send the agent's hello and check the env's; returns the env's description."""
        request = session_pb2.SessionRequest()
        hello = request.hello
        hello.protocol_version.major, hello.protocol_version.minor = PROTOCOL_VERSION
        hello.implementation = IMPLEMENTATION
        hello.implementation_version = __version__
        hello.capabilities[:] = list(CAPABILITIES)
        hello.token = token or ""
        hello.render_mode = render_mode or ""
        reply = self._roundtrip("hello", request).hello
        major, minor = reply.protocol_version.major, reply.protocol_version.minor
        if major != PROTOCOL_VERSION[0]:
            self._drop()
            raise VersionMismatch(
                f"protocol version mismatch: this agent speaks {_fmt_version(PROTOCOL_VERSION)}, "
                f"the env ({reply.implementation or 'unknown'}) speaks {major}.{minor}"
            )
        try:
            self._description = EnvDescription.from_hello(reply)
        except (UnsupportedSpace, InvalidValue, ProtocolError):
            self._drop()
            raise
        return self._description

    def reset(
        self,
        seeds: Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
        mask: np.ndarray[Any, Any] | Sequence[bool] | None = None,
    ) -> ResetResult:
        """Reset sub-environments: one seed per sub-env (None = unseeded) and a mask."""
        description = self.description
        n = description.num_envs
        request = session_pb2.SessionRequest()
        reset = request.reset
        reset.SetInParent()
        if seeds is not None:
            if len(seeds) != n:
                raise InvalidValue(f"seeds: expected {n} seeds, got {len(seeds)}")
            for seed in seeds:
                entry = reset.seeds.add()
                if seed is not None:
                    if int(seed) < 0:
                        raise InvalidValue(f"seeds: a seed must be >= 0, got {seed}")
                    entry.value = int(seed)
        if options is not None:
            fill_value(reset.options, options)
        if mask is not None:
            if len(mask) != n:
                raise InvalidValue(f"mask: expected {n} entries, got {len(mask)}")
            reset.mask[:] = [bool(m) for m in mask]
        reply = self._roundtrip("reset", request).reset
        observations = self._decode_batch(description.observation_space, reply.observations, n)
        return ResetResult(observations, self._decode_infos(reply.infos, n))

    def step(self, actions: Any) -> StepResult:
        """Send one batch of actions and wait for the resulting step (never one step late)."""
        description = self._description
        if description is None:
            raise RlayError("the handshake has not happened yet; call hello() first")
        n = description.num_envs
        request = session_pb2.SessionRequest()
        fill_batch(request.step.actions, description.action_space, actions, n, path="actions")
        reply = self._roundtrip("step", request).step
        try:
            observations = decode_batch(
                description.observation_space, reply.observations, n, path="observations"
            )
            rewards = _read_column(reply.rewards, tensor_pb2.DTYPE_FLOAT64, _F64_LE, n)
            terminated = _read_column(reply.terminated, tensor_pb2.DTYPE_BOOL, _BOOL, n)
            truncated = _read_column(reply.truncated, tensor_pb2.DTYPE_BOOL, _BOOL, n)
        except (InvalidValue, UnsupportedSpace) as error:
            self._drop()
            raise ProtocolError(f"malformed step reply: {error}") from error
        infos_msg, finals_msg = reply.infos, reply.finals
        infos = self._decode_infos(infos_msg, n) if infos_msg else [{} for _ in range(n)]
        finals = [self._decode_final(final, n) for final in finals_msg] if finals_msg else []
        return StepResult(observations, rewards, terminated, truncated, infos, finals)

    def render(self) -> list[Any]:
        """One frame per sub-environment (None where the env renders nothing)."""
        request = session_pb2.SessionRequest()
        request.render.SetInParent()
        reply = self._roundtrip("render", request).render
        return [decode_value(frame) for frame in reply.frames]

    def call(self, name: str, value: Any = None) -> Any:
        """Run the env's named command ``name`` with ``value``; returns its result."""
        request = session_pb2.SessionRequest()
        call = request.call
        call.name = name
        if value is not None:
            fill_value(call.value, value)
        reply = self._roundtrip("call", request).call
        return decode_value(reply.value) if reply.HasField("value") else None

    def close(self) -> None:
        """Say goodbye and close the connection; safe to call twice, never raises."""
        if self._connection is None:
            return
        if self._description is not None:
            request = session_pb2.SessionRequest()
            request.close.SetInParent()
            try:
                self._roundtrip("close", request)
            except RlayError as error:
                logger.debug("closing the session: %s", error)
        self._drop()

    # -- plumbing --------------------------------------------------------------------

    def _roundtrip(
        self, expected: str, request: session_pb2.SessionRequest
    ) -> session_pb2.SessionResponse:
        connection = self._connection
        if connection is None:
            raise ConnectionClosed("the session is closed")
        try:
            connection.send(request.SerializeToString())
            data = connection.recv(self.timeout)
        except (ConnectionClosed, Timeout) as error:
            self._lost(error)
            raise
        try:
            response = session_pb2.SessionResponse.FromString(data)
        except DecodeError as error:
            self._drop()
            raise ProtocolError(f"could not decode the env's {expected} reply: {error}") from error
        kind = response.WhichOneof("kind")
        if kind == expected:
            return response
        if kind == "error":
            raise self._remote_error(response.error)
        self._drop()
        raise ProtocolError(f"expected a {expected} reply from the env, got {kind or 'nothing'}")

    def _remote_error(self, error: session_pb2.Error) -> RlayError:
        if error.code not in _RECOVERABLE:
            self._drop()
        if error.code in (session_pb2.ERROR_CODE_PROTOCOL, session_pb2.ERROR_CODE_FRAME_TOO_LARGE):
            return RemoteError(error_code_name(error.code), error.message)
        return _local_error(error.code, error.message)

    def _lost(self, error: RlayError) -> None:
        self._drop()
        if self._on_lost is not None:
            self._on_lost(error)

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _decode_batch(self, space: gym.Space[Any], value: Any, n: int) -> Any:
        try:
            return decode_batch(space, value, n)
        except (InvalidValue, UnsupportedSpace) as error:
            self._drop()
            raise ProtocolError(f"malformed observations from the env: {error}") from error

    def _decode_infos(self, values: Any, n: int) -> list[dict[str, Any]]:
        if not values:
            return [{} for _ in range(n)]
        if len(values) != n:
            self._drop()
            raise ProtocolError(f"expected {n} infos from the env, got {len(values)}")
        infos = [decode_value(v) for v in values]
        return [info if isinstance(info, dict) else {} for info in infos]

    def _decode_final(self, final: session_pb2.FinalStep, n: int) -> FinalStep:
        if final.index >= n:
            self._drop()
            raise ProtocolError(f"final step for sub-env {final.index}, but num_envs is {n}")
        observation = decode_element(self.description.observation_space, final.observation)
        info = decode_value(final.info) if final.HasField("info") else {}
        return FinalStep(final.index, observation, info if isinstance(info, dict) else {})


def _fmt_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


# --------------------------------------------------------------------------- env side


class EnvBackend(abc.ABC):
    """What an env side implements; :class:`EnvSession` calls it for one connection.

    The session calls :meth:`open` once, after a valid hello, then the command
    methods in the order the agent sends them, then :meth:`close` exactly once
    (also when the connection breaks). All values are in *batch form*: what
    ``gymnasium.vector.utils.concatenate`` builds for ``num_envs`` elements.

    Errors: raise :class:`~rlay.errors.InvalidValue` for bad arguments
    (INVALID_ARGUMENT, the session goes on), ``RemoteError(code_name, message)`` to
    answer with a given code (e.g. ``"UNIMPLEMENTED"``; see the contract for which codes
    end the session); any other exception is answered with ERROR_CODE_ENV and its text,
    and the session goes on.

    Example (a constant env)::

        class Zero(EnvBackend):
            def open(self, render_mode):
                return EnvDescription("Zero", Box(0, 1, (1,)), Discrete(2))
            def reset(self, seeds, options, mask):
                return ResetResult(np.zeros((1, 1), np.float32), [{}])
            def step(self, actions):
                z = np.zeros(1)
                return StepResult(np.zeros((1, 1), np.float32), z, z > 0, z > 0, [{}], [])
    """

    @abc.abstractmethod
    def open(self, render_mode: str | None) -> EnvDescription:
        """Create the env (with ``render_mode`` if the agent asked for one); describe it."""

    @abc.abstractmethod
    def reset(
        self,
        seeds: list[int | None] | None,
        options: dict[str, Any] | None,
        mask: np.ndarray[Any, Any] | None,
    ) -> ResetResult:
        """Reset the sub-envs (all, or those where ``mask`` is True); ``seeds`` has num_envs
        entries or is None."""

    @abc.abstractmethod
    def step(self, actions: Any) -> StepResult:
        """Step every sub-env with its action, applying the declared autoreset mode."""

    def render(self) -> list[Any]:
        """One frame per sub-env; by default the env cannot render."""
        raise RemoteError("UNIMPLEMENTED", "this env does not render")

    def call(self, name: str, value: Any) -> Any:
        """Run a named command; by default there are none."""
        raise RemoteError("UNIMPLEMENTED", f"this env has no command named {name!r}")

    def close(self) -> None:  # noqa: B027 - a no-op default is the point
        """Release the env; called once when the session ends."""


class _EndSession(Exception):
    """Internal: the session is over (after a close or a fatal error)."""


class EnvSession:
    """Serve one connection's session with a backend, until close or a fatal error.

    The handshake must arrive within ``hello_timeout`` seconds; later commands are
    awaited up to ``idle_timeout`` (None: as long as the connection is open -- closing
    it from another thread ends :meth:`run`).

    Example::

        EnvSession(connection, GymBackend("CartPole-v1"), token="s3cret").run()
    """

    def __init__(
        self,
        connection: Connection,
        backend: EnvBackend,
        *,
        token: str | None = None,
        hello_timeout: float | None = 30.0,
        idle_timeout: float | None = None,
        name: str = "",
    ) -> None:
        self._connection = connection
        self._backend = backend
        self._token = token or ""
        self.hello_timeout = hello_timeout
        self.idle_timeout = idle_timeout
        self._name = name or getattr(connection, "description", "") or "connection"
        # Fresh messages for every frame (see AgentSession: reused upb messages leak).
        self._description: EnvDescription | None = None
        self._opened = False
        #: Why the session ended, or None after the agent's close (see :meth:`run`).
        self.error: RlayError | None = None

    def run(self) -> None:
        """Answer commands until the agent closes or the connection fails.

        Never raises for peer misbehaviour: it is logged, answered with an error frame
        where the protocol says so, and kept in :attr:`error` (None after a clean close)
        for callers that want to report it, as :func:`rlay.dial` does.
        """
        try:
            self._handshake()
            while True:
                self._serve_one()
        except _EndSession:
            pass
        except FrameTooLarge as error:
            self._fatal(session_pb2.ERROR_CODE_FRAME_TOO_LARGE, str(error))
            self.error = error
        except ConnectionClosed as error:
            logger.debug("%s: the agent went away", self._name)
            self.error = error
        except Timeout as error:
            logger.warning("%s: no command from the agent in time; closing", self._name)
            self.error = error
        except ProtocolError as error:
            self._fatal(session_pb2.ERROR_CODE_PROTOCOL, str(error))
            self.error = error
        finally:
            self._finish()

    def close(self) -> None:
        """Close the connection (idempotent; callable from any thread). :meth:`run` then
        ends and closes the backend in its own thread, never in the middle of a command."""
        self._connection.close()

    def _finish(self) -> None:
        self._connection.close()
        if self._opened:
            try:
                self._backend.close()
            except Exception:
                logger.exception("%s: closing the env failed", self._name)

    # -- handshake ---------------------------------------------------------------------

    def _handshake(self) -> None:
        request = self._receive(self.hello_timeout)
        if request.WhichOneof("kind") != "hello":
            self._fatal(
                session_pb2.ERROR_CODE_PROTOCOL,
                f"expected hello first, got {request.WhichOneof('kind') or 'nothing'}",
            )
            raise _EndSession
        hello = request.hello
        major, minor = hello.protocol_version.major, hello.protocol_version.minor
        if major != PROTOCOL_VERSION[0]:
            message = (
                f"protocol version mismatch: the agent ({hello.implementation or 'unknown'} "
                f"{hello.implementation_version}) speaks {major}.{minor}, this env "
                f"({IMPLEMENTATION} {__version__}) speaks {_fmt_version(PROTOCOL_VERSION)}"
            )
            logger.error("%s: %s", self._name, message)
            self._fatal(session_pb2.ERROR_CODE_VERSION_MISMATCH, message, log=False)
            raise _EndSession
        if self._token and not hmac.compare_digest(hello.token.encode(), self._token.encode()):
            message = "the agent's token is missing or wrong"
            logger.error("%s: %s", self._name, message)
            self._fatal(session_pb2.ERROR_CODE_UNAUTHENTICATED, message, log=False)
            raise _EndSession
        try:
            self._opened = True
            self._description = self._backend.open(hello.render_mode or None)
            response = session_pb2.SessionResponse()
            reply = response.hello
            reply.protocol_version.major, reply.protocol_version.minor = PROTOCOL_VERSION
            reply.implementation = IMPLEMENTATION
            reply.implementation_version = __version__
            reply.capabilities[:] = list(CAPABILITIES)
            self._description.fill_proto(reply.env_spec)
        except Exception as error:
            code, message = _classify(error)
            self._fatal(code, f"could not open the env: {message}")
            raise _EndSession from None
        self._send(response)

    # -- commands ------------------------------------------------------------------------

    def _serve_one(self) -> None:
        request = self._receive(self.idle_timeout)
        kind = request.WhichOneof("kind")
        handler = _HANDLERS.get(kind or "")
        if handler is None:
            self._fatal(
                session_pb2.ERROR_CODE_PROTOCOL,
                f"unexpected {kind or 'empty'} message after the handshake",
            )
            raise _EndSession
        response = session_pb2.SessionResponse()
        try:
            handler(self, request, response)
        except _EndSession:
            raise
        except Exception as error:
            code, message = _classify(error)
            if code not in _RECOVERABLE:
                self._fatal(code, message)
                raise _EndSession from None
            if code == session_pb2.ERROR_CODE_ENV:
                logger.warning("%s: the env raised during %s: %s", self._name, kind, message)
            response = session_pb2.SessionResponse()
            response.error.code = code
            response.error.message = message
        self._send(response)

    def _on_reset(
        self, request: session_pb2.SessionRequest, response: session_pb2.SessionResponse
    ) -> None:
        description = self._require_description()
        n = description.num_envs
        reset = request.reset
        seeds: list[int | None] | None = None
        if reset.seeds:
            if len(reset.seeds) != n:
                raise InvalidValue(f"seeds: expected {n} seeds, got {len(reset.seeds)}")
            seeds = [s.value if s.HasField("value") else None for s in reset.seeds]
        options = decode_value(reset.options) if reset.HasField("options") else None
        if options is not None and not isinstance(options, dict):
            raise InvalidValue(f"options: expected a map, got {type(options).__name__}")
        mask = None
        if reset.mask:
            if len(reset.mask) != n:
                raise InvalidValue(f"mask: expected {n} entries, got {len(reset.mask)}")
            mask = np.array(reset.mask, dtype=np.bool_)
        result = self._backend.reset(seeds, options, mask)
        reply = response.reset
        fill_batch(reply.observations, description.observation_space, result.observations, n)
        _fill_infos(reply.infos, result.infos)

    def _on_step(
        self, request: session_pb2.SessionRequest, response: session_pb2.SessionResponse
    ) -> None:
        description = self._require_description()
        n = description.num_envs
        actions = decode_batch(description.action_space, request.step.actions, n, path="actions")
        result = self._backend.step(actions)
        reply = response.step
        fill_batch(
            reply.observations,
            description.observation_space,
            result.observations,
            n,
            path="observations",
        )
        _fill_column(reply.rewards, tensor_pb2.DTYPE_FLOAT64, result.rewards, _F64_LE, n, "rewards")
        for name in ("terminated", "truncated"):
            flags = getattr(result, name)
            _fill_column(getattr(reply, name), tensor_pb2.DTYPE_BOOL, flags, _BOOL, n, name)
        _fill_infos(reply.infos, result.infos)
        for final in result.finals:
            entry = reply.finals.add()
            entry.index = final.index
            fill_element(entry.observation, description.observation_space, final.observation)
            fill_value(entry.info, final.info)

    def _on_render(
        self, request: session_pb2.SessionRequest, response: session_pb2.SessionResponse
    ) -> None:
        frames = self._backend.render()
        reply = response.render
        reply.SetInParent()
        for frame in frames:
            value = reply.frames.add()
            if frame is not None:
                fill_value(value, frame)

    def _on_call(
        self, request: session_pb2.SessionRequest, response: session_pb2.SessionResponse
    ) -> None:
        call = request.call
        value = decode_value(call.value) if call.HasField("value") else None
        result = self._backend.call(call.name, value)
        reply = response.call
        reply.SetInParent()
        if result is not None:
            fill_value(reply.value, result)

    def _on_close(
        self, request: session_pb2.SessionRequest, response: session_pb2.SessionResponse
    ) -> None:
        response.close.SetInParent()
        self._send(response)
        raise _EndSession

    def _on_hello(
        self, request: session_pb2.SessionRequest, response: session_pb2.SessionResponse
    ) -> None:
        self._fatal(session_pb2.ERROR_CODE_PROTOCOL, "hello sent twice")
        raise _EndSession

    # -- plumbing ----------------------------------------------------------------------

    def _require_description(self) -> EnvDescription:
        assert self._description is not None  # the handshake set it
        return self._description

    def _receive(self, timeout: float | None) -> session_pb2.SessionRequest:
        data = self._connection.recv(timeout)
        try:
            return session_pb2.SessionRequest.FromString(data)
        except DecodeError as error:
            raise ProtocolError(f"could not decode a request frame: {error}") from error

    def _send(self, response: session_pb2.SessionResponse) -> None:
        self._connection.send(response.SerializeToString())

    def _fatal(self, code: session_pb2.ErrorCode, message: str, *, log: bool = True) -> None:
        """Answer with an error frame before closing; a dead peer is no news."""
        if log:
            logger.warning(
                "%s: %s: %s; closing the connection", self._name, error_code_name(code), message
            )
        response = session_pb2.SessionResponse()
        response.error.code = code
        response.error.message = message
        with contextlib.suppress(RlayError, OSError):
            self._send(response)
        self.error = _local_error(code, message)


_F64_LE = np.dtype("<f8")
_BOOL = np.dtype(np.bool_)


def _column(values: Any, dtype: Any, n: int, name: str) -> bytes:
    """The wire bytes of a float64/bool [n] column (rewards, terminated, truncated)."""
    array = np.asarray(values, dtype=dtype)
    if array.shape != (n,):
        raise RlayError(f"the env returned {name} of shape {array.shape}; expected ({n},)")
    return array.tobytes()


def _fill_column(
    tensor: tensor_pb2.Tensor, code: int, values: Any, dtype: Any, n: int, name: str
) -> None:
    """A per-sub-env column (rewards, flags) as a [n] tensor."""
    tensor.dtype = code  # type: ignore[assignment]
    tensor.shape.append(n)
    tensor.data = _column(values, dtype, n, name)


def _read_column(tensor: tensor_pb2.Tensor, code: int, dtype: np.dtype[Any], n: int) -> Any:
    """A float64/bool [n] column of a step reply, as a fresh writable array."""
    data = tensor.data
    shape = tensor.shape
    if (
        tensor.dtype == code
        and len(shape) == 1
        and shape[0] == n
        and len(data) == n * dtype.itemsize
    ):
        return np.frombuffer(data, dtype=dtype).copy()
    array = decode_tensor(tensor)  # the slow path names what is wrong, or converts
    if array.shape != (n,):
        raise InvalidValue(f"expected shape ({n},), got {array.shape}")
    return array.astype(dtype)


def _fill_infos(target: Any, infos: Sequence[dict[str, Any]]) -> None:
    # An empty repeated field means "every info is empty": the common case costs nothing.
    if any(infos):
        for info in infos:
            fill_value(target.add(), dict(info))


def _local_error(code: int, message: str) -> RlayError:
    """The typed error for an error code (what the agent side raises for it, too)."""
    if code == session_pb2.ERROR_CODE_VERSION_MISMATCH:
        return VersionMismatch(message)
    if code == session_pb2.ERROR_CODE_UNAUTHENTICATED:
        return Unauthenticated(message)
    if code in (session_pb2.ERROR_CODE_PROTOCOL, session_pb2.ERROR_CODE_FRAME_TOO_LARGE):
        return ProtocolError(message)
    return RemoteError(error_code_name(code), message)


def _classify(error: BaseException) -> tuple[session_pb2.ErrorCode, str]:
    """Map an exception raised while serving a command to (code, message)."""
    if isinstance(error, RemoteError):
        return error_code_value(error.code), error.message
    if isinstance(error, (InvalidValue, UnsupportedSpace)):
        return session_pb2.ERROR_CODE_INVALID_ARGUMENT, str(error)
    return session_pb2.ERROR_CODE_ENV, f"{type(error).__name__}: {error}"


_Handler = Callable[[EnvSession, session_pb2.SessionRequest, session_pb2.SessionResponse], None]
_HANDLERS: dict[str, _Handler] = {
    "reset": EnvSession._on_reset,
    "step": EnvSession._on_step,
    "render": EnvSession._on_render,
    "call": EnvSession._on_call,
    "close": EnvSession._on_close,
    "hello": EnvSession._on_hello,
}
