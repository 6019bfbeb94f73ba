"""The env half of a session: answer one connection's commands with an :class:`EnvBackend`.

:class:`EnvSession` serves the same way whether the env listened or dialled; see
:mod:`rlay.host` for the backend that hosts Gymnasium environments. Example::

    EnvSession(connection, GymBackend("CartPole-v1"), token="s3cret").run()
"""

from __future__ import annotations

import abc
import contextlib
import hmac
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError

from rlay._version import __version__
from rlay.agents import MULTI_AGENT, AgentReset, AgentStep, LiveAgents
from rlay.errors import (
    ConnectionClosed,
    FrameTooLarge,
    InvalidValue,
    ProtocolError,
    RemoteError,
    RlayError,
    Timeout,
    UnsupportedSpace,
    not_rlay,
)
from rlay.protocol import (
    BOOL,
    CAPABILITIES,
    F64_LE,
    IMPLEMENTATION,
    PROTOCOL_VERSION,
    RECOVERABLE_CODES,
    EnvDescription,
    ResetResult,
    StepResult,
    error_code_name,
    error_code_value,
    error_for_code,
    format_version,
)
from rlay.step_codec import StepCodec
from rlay.transports.base import Connection, Frame
from rlay.v1 import session_pb2, tensor_pb2
from rlay.values import decode_batch, decode_value, fill_batch, fill_element, fill_value

__all__ = ["EnvBackend", "EnvSession"]

logger = logging.getLogger("rlay.session")


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

    def single_step(self) -> Callable[[Any], SingleStep] | None:
        """Optional, for ``num_envs == 1`` without autoreset: a function stepping the env
        with one action in element form and returning what ``env.step`` returns. The
        session then skips the batch form for steps it can build by hand. None (the
        default): every step goes through :meth:`step`."""
        return None

    def render(self) -> list[Any]:
        """One frame per sub-env; by default the env cannot render."""
        raise RemoteError("UNIMPLEMENTED", "this env does not render")

    def reset_agents(self, seed: int | None, options: dict[str, Any] | None) -> AgentReset:
        """Multi-agent envs (``EnvDescription.agents`` set): reset, return the live agents."""
        raise RemoteError("UNIMPLEMENTED", "this env has no agents")

    def step_agents(self, actions: dict[str, Any]) -> AgentStep:
        """Multi-agent envs: act for exactly the live agents (checked by the session);
        report every agent that acted, ended or became live, and who is live now."""
        raise RemoteError("UNIMPLEMENTED", "this env has no agents")

    def call(self, name: str, value: Any) -> Any:
        """Run a named command; by default there are none."""
        raise RemoteError("UNIMPLEMENTED", f"this env has no command named {name!r}")

    def close(self) -> None:  # noqa: B027 - a no-op default is the point
        """Release the env; called once when the session ends."""


#: What ``gymnasium.Env.step`` returns: observation, reward, terminated, truncated, info.
SingleStep = tuple[Any, Any, Any, Any, dict[str, Any]]


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
        # Optional on a Connection (the stream and shm transports have it).
        self._connection_send_parts: Callable[[list[Any]], None] | None = getattr(
            connection, "send_parts", None
        )
        self._backend = backend
        self._token = token or ""
        self.hello_timeout = hello_timeout
        self.idle_timeout = idle_timeout
        self._name = name or getattr(connection, "description", "") or "connection"
        # Fresh messages for every frame (see AgentSession: reused upb messages leak).
        self._description: EnvDescription | None = None
        self._agents: LiveAgents | None = None
        self._opened = False
        # Built at the handshake when the spaces allow hand-built step frames.
        self._codec: StepCodec | None = None
        # The backend's single_step(), when it has one and there is one sub-env.
        self._single: Callable[[Any], SingleStep] | None = None
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
            # Before the hello, an absurd length is most likely another protocol's bytes.
            message = str(not_rlay(error) if self._description is None else error)
            self._fatal(session_pb2.ERROR_CODE_FRAME_TOO_LARGE, message)
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
                f"({IMPLEMENTATION} {__version__}) speaks {format_version(PROTOCOL_VERSION)}"
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
            self._codec = StepCodec.for_spaces(
                self._description.observation_space,
                self._description.action_space,
                self._description.num_envs,
            )
            if self._codec is not None and self._description.num_envs == 1:
                self._single = self._backend.single_step()
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
        layout = self._description.agents
        if layout is not None:
            if MULTI_AGENT not in hello.capabilities:
                message = (
                    f"the env {self._description.env_id!r} is multi-agent and the agent "
                    f"({hello.implementation or 'unknown'} {hello.implementation_version}, "
                    f"protocol {major}.{minor}) does not list the capability {MULTI_AGENT!r}; "
                    "use a multi-agent agent side (e.g. rlay.ParallelClientEnv)"
                )
                logger.error("%s: %s", self._name, message)
                self._fatal(session_pb2.ERROR_CODE_CAPABILITY_REQUIRED, message, log=False)
                raise _EndSession
            reply.capabilities.append(MULTI_AGENT)
            self._agents = LiveAgents(layout)
        self._send(response)

    # -- commands ------------------------------------------------------------------------

    def _serve_one(self) -> None:
        data = self._connection.recv(self.idle_timeout)
        codec = self._codec
        single = self._single
        if single is not None and codec is not None:
            action = codec.decode_request_one(data)
            if action is not None:
                try:
                    stepped = single(action)
                    parts = codec.encode_reply_one(*stepped)
                    if parts is None:
                        parts = codec.encode_reply_parts(*batch_of_single(*stepped))
                except Exception as error:
                    self._send(self._error_response("step", error))
                    return
                self._send_parts(parts)
                return
        if codec is not None:
            actions = codec.decode_request(data)
            if actions is not None:
                try:
                    result = self._backend.step(actions)
                    parts = codec.encode_reply_parts(*result)
                except Exception as error:
                    self._send(self._error_response("step", error))
                    return
                self._send_parts(parts)
                return
        request = self._parse(data)
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
            response = self._error_response(kind or "", error)
        self._send(response)

    def _error_response(self, kind: str, error: Exception) -> session_pb2.SessionResponse:
        """The error reply for a command that raised; ends the session unless recoverable."""
        code, message = _classify(error)
        if code not in RECOVERABLE_CODES:
            self._fatal(code, message)
            raise _EndSession from None
        if code == session_pb2.ERROR_CODE_ENV:
            logger.warning("%s: the env raised during %s: %s", self._name, kind, message)
        response = session_pb2.SessionResponse()
        response.error.code = code
        response.error.message = message
        return response

    def _on_reset(
        self, request: session_pb2.SessionRequest, response: session_pb2.SessionResponse
    ) -> None:
        if self._agents is not None:
            self._on_reset_agents(request.reset, response.reset, self._agents)
            return
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
        if self._agents is not None:
            actions = self._agents.actions(request.step.agent_actions)
            self._agents.step(response.step.agents, self._backend.step_agents(actions), actions)
            return
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
        _fill_column(reply.rewards, tensor_pb2.DTYPE_FLOAT64, result.rewards, F64_LE, n, "rewards")
        for name in ("terminated", "truncated"):
            flags = getattr(result, name)
            _fill_column(getattr(reply, name), tensor_pb2.DTYPE_BOOL, flags, BOOL, n, name)
        _fill_infos(reply.infos, result.infos)
        for final in result.finals:
            entry = reply.finals.add()
            entry.index = final.index
            fill_element(entry.observation, description.observation_space, final.observation)
            fill_value(entry.info, final.info)

    def _on_reset_agents(
        self,
        reset: session_pb2.ResetRequest,
        reply: session_pb2.ResetResponse,
        agents: LiveAgents,
    ) -> None:
        if len(reset.seeds) > 1:
            raise InvalidValue(f"seeds: expected at most 1 seed, got {len(reset.seeds)}")
        seed = reset.seeds[0].value if reset.seeds and reset.seeds[0].HasField("value") else None
        options = decode_value(reset.options) if reset.HasField("options") else None
        if options is not None and not isinstance(options, dict):
            raise InvalidValue(f"options: expected a map, got {type(options).__name__}")
        reply.SetInParent()
        agents.reset(reply.agents, self._backend.reset_agents(seed, options))

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
        return self._parse(self._connection.recv(timeout))

    def _parse(self, data: Frame) -> session_pb2.SessionRequest:
        try:
            return session_pb2.SessionRequest.FromString(data)  # type: ignore[arg-type]  # upb takes any buffer
        except DecodeError as error:
            raise ProtocolError(f"could not decode a request frame: {error}") from error

    def _send(self, response: session_pb2.SessionResponse) -> None:
        self._connection.send(response.SerializeToString())

    def _send_parts(self, parts: list[Any]) -> None:
        """One frame from its parts: gathered by a transport that can (no join of a large
        observation), else joined."""
        send_parts = self._connection_send_parts
        if send_parts is not None:
            send_parts(parts)
        else:
            self._connection.send(b"".join(parts))

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
        self.error = error_for_code(code, message)


def batch_of_single(
    observation: Any, reward: Any, terminated: Any, truncated: Any, info: dict[str, Any]
) -> StepResult:
    """A single env's step as a batch of one, cast as a vector env's columns cast it.

    >>> batch_of_single(np.zeros(2), 1, 0, True, {}).truncated
    array([ True])
    """
    rewards = np.zeros(1, dtype=np.float64)
    rewards[0] = reward
    ended = np.zeros(2, dtype=np.bool_)
    ended[0] = terminated
    ended[1] = truncated
    batch = np.asarray(observation)[np.newaxis]  # the codec casts to the space's dtype
    return StepResult(batch, rewards, ended[:1].copy(), ended[1:].copy(), [info], [])


def column_bytes(values: Any, dtype: Any, n: int, name: str) -> bytes:
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
    tensor.data = column_bytes(values, dtype, n, name)


def _fill_infos(target: Any, infos: Sequence[dict[str, Any]]) -> None:
    # An empty repeated field means "every info is empty": the common case costs nothing.
    if any(infos):
        for info in infos:
            fill_value(target.add(), dict(info))


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
