"""The agent half of a session: hello, then one command and one awaited reply at a time.

:class:`AgentSession` is what :class:`rlay.ClientEnv` and :class:`rlay.ServerEnv` drive,
whoever dialled whom. Example::

    session = AgentSession(connection, timeout=10.0)
    description = session.hello(token=None, render_mode=None)
    result = session.reset(seeds=[0], options=None, mask=None)
    step = session.step(actions)
    session.close()
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import gymnasium as gym
import numpy as np
from google.protobuf.message import DecodeError
from gymnasium import spaces

from rlay._version import __version__
from rlay.agents import MULTI_AGENT, AgentLayout, AgentReset, AgentStep
from rlay.agents import decode_reset as decode_agent_reset
from rlay.agents import decode_step as decode_agent_step
from rlay.agents import fill_actions as fill_agent_actions
from rlay.errors import (
    ConnectionClosed,
    InvalidValue,
    ProtocolError,
    RemoteError,
    RlayError,
    Timeout,
    UnsupportedSpace,
    VersionMismatch,
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
    FinalStep,
    ResetResult,
    StepResult,
    error_code_name,
    error_for_code,
    format_version,
)
from rlay.step_codec import StepCodec
from rlay.tensors import decode_tensor
from rlay.transports.base import Connection, Frame
from rlay.v1 import session_pb2, tensor_pb2
from rlay.values import decode_batch, decode_element, decode_value, fill_batch, fill_value

__all__ = ["AgentSession", "batch_of_one", "first_of_batch"]

logger = logging.getLogger("rlay.session")


_T = TypeVar("_T")


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
        # Built at the handshake when the spaces allow hand-built step frames.
        self._codec: StepCodec | None = None

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

    def hello(
        self,
        *,
        token: str | None = None,
        render_mode: str | None = None,
        multi_agent: bool = False,
    ) -> EnvDescription:
        """Send the agent's hello and check the env's; returns the env's description.

        With ``multi_agent`` the hello lists the "multi_agent" capability: this agent
        can drive a multi-agent env (a multi-agent env refuses an agent without it).
        """
        request = session_pb2.SessionRequest()
        hello = request.hello
        hello.protocol_version.major, hello.protocol_version.minor = PROTOCOL_VERSION
        hello.implementation = IMPLEMENTATION
        hello.implementation_version = __version__
        hello.capabilities[:] = [*CAPABILITIES, MULTI_AGENT] if multi_agent else list(CAPABILITIES)
        hello.token = token or ""
        hello.render_mode = render_mode or ""
        try:
            reply = self._roundtrip("hello", request).hello
        except ProtocolError as error:  # the first frame: likely not rlay at all
            self._drop()
            raise not_rlay(error) from error
        major, minor = reply.protocol_version.major, reply.protocol_version.minor
        if major != PROTOCOL_VERSION[0]:
            self._drop()
            raise VersionMismatch(
                f"protocol version mismatch: this agent speaks {format_version(PROTOCOL_VERSION)}, "
                f"the env ({reply.implementation or 'unknown'}) speaks {major}.{minor}"
            )
        try:
            self._description = EnvDescription.from_hello(reply)
            self._codec = StepCodec.for_spaces(
                self._description.observation_space,
                self._description.action_space,
                self._description.num_envs,
            )
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
        self.send_reset(seeds, options, mask)
        return self.receive_reset()

    def send_reset(
        self,
        seeds: Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
        mask: np.ndarray[Any, Any] | Sequence[bool] | None = None,
    ) -> None:
        """The first half of :meth:`reset`: send it; :meth:`receive_reset` waits for it.

        Split so that one agent can drive several sessions at once (send to every one,
        then gather the replies), as :class:`rlay.MultiVectorEnv` does.
        """
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
        self._send_frame(request.SerializeToString())

    def receive_reset(self) -> ResetResult:
        """Wait for the reply to :meth:`send_reset`."""
        description = self.description
        n = description.num_envs
        reply = self._reply("reset", self._receive_frame()).reset
        observations = self._decode_batch(description.observation_space, reply.observations, n)
        return ResetResult(observations, self._decode_infos(reply.infos, n))

    def step(self, actions: Any) -> StepResult:
        """Send one batch of actions and wait for the resulting step (never one step late)."""
        return self._step_reply(self._exchange(self._step_frame(actions)))

    def send_step(self, actions: Any) -> None:
        """The first half of :meth:`step`: send the actions; :meth:`receive_step` waits."""
        self._send_frame(self._step_frame(actions))

    def receive_step(self) -> StepResult:
        """Wait for the reply to :meth:`send_step`."""
        return self._step_reply(self._receive_frame())

    def _step_frame(self, actions: Any) -> bytes:
        description = self._description
        if description is None:
            raise RlayError("the handshake has not happened yet; call hello() first")
        codec = self._codec
        if codec is not None:
            return codec.encode_request(actions)
        request = session_pb2.SessionRequest()
        n = description.num_envs
        fill_batch(request.step.actions, description.action_space, actions, n, path="actions")
        return request.SerializeToString()

    def _step_reply(self, data: Frame) -> StepResult:
        n = self.description.num_envs
        codec = self._codec
        if codec is not None:
            fast = codec.decode_reply(data)
            if fast is not None:
                observations = codec.observations(fast)
                columns = codec.columns(fast)
                if observations is not None and columns is not None:
                    extra = fast.extra
                    if extra is None:
                        return StepResult(observations, *columns, [{} for _ in range(n)], [])
                    return StepResult(observations, *columns, *self._extras(extra, n))
        return self._step_result(self._reply("step", data).step, n)

    def step_vector(self, actions: Any) -> tuple[Any, Any, Any, Any, StepResult | None]:
        """:meth:`step` for a vector env: observations, rewards, terminated, truncated and
        the whole result only when some sub-env has an info or a final step (else None:
        no list of ``num_envs`` empty infos is built)."""
        codec = self._codec
        if codec is not None:
            data = self._exchange(self._step_frame(actions))
            fast = codec.decode_reply(data)
            if fast is not None and fast.extra is None:
                observations = codec.observations(fast)
                columns = codec.columns(fast)
                if observations is not None and columns is not None:
                    return (observations, *columns, None)
            result = self._step_reply(data)
        else:
            result = self.step(actions)
        return (result.observations, result.rewards, result.terminated, result.truncated, result)

    def step_single(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step an env of one sub-env with an action in element form; returns Gymnasium's
        ``(observation, reward, terminated, truncated, info)``."""
        description = self.description
        codec = self._codec
        frame = codec.encode_request_one(action) if codec is not None else None
        if frame is not None and codec is not None:
            data = self._exchange(frame)
            plain = codec.decode_reply_one(data)
            if plain is not None:
                return (*plain, {})
            fast = codec.decode_reply(data)
            if fast is not None:
                single = codec.single(fast)
                if single is not None:
                    extra = fast.extra
                    if extra is None:
                        return (*single, {})
                    return (*single, self._extras(extra, 1)[0][0])
            result = self._step_result(self._reply("step", data).step, 1)
        else:
            result = self.step(batch_of_one(description.action_space, action))
        return (
            first_of_batch(description.observation_space, result.observations),
            float(result.rewards[0]),
            bool(result.terminated[0]),
            bool(result.truncated[0]),
            result.infos[0],
        )

    def reset_agents(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> AgentReset:
        """Reset a multi-agent env; returns the live agents' observations and infos."""
        layout = self._layout()
        request = session_pb2.SessionRequest()
        reset = request.reset
        reset.SetInParent()
        if seed is not None:
            if int(seed) < 0:
                raise InvalidValue(f"seed: must be >= 0, got {seed}")
            reset.seeds.add().value = int(seed)
        if options is not None:
            fill_value(reset.options, options)
        reply = self._roundtrip("reset", request).reset
        return self._checked(decode_agent_reset, layout, reply.agents)

    def step_agents(self, actions: dict[str, Any]) -> AgentStep:
        """Step a multi-agent env with one action per live agent."""
        layout = self._layout()
        request = session_pb2.SessionRequest()
        step = request.step
        step.SetInParent()
        fill_agent_actions(step.agent_actions, layout, actions)
        reply = self._roundtrip("step", request).step
        return self._checked(decode_agent_step, layout, reply.agents)

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
        return self._reply(expected, self._exchange(request.SerializeToString()))

    def fileno(self) -> int:
        """The connection's file descriptor for ``selectors`` (-1: none, or closed)."""
        fileno = getattr(self._connection, "fileno", None)
        return int(fileno()) if fileno is not None else -1

    def _send_frame(self, frame: bytes) -> None:
        connection = self._connection
        if connection is None:
            raise ConnectionClosed("the session is closed")
        try:
            connection.send(frame)
        except (ConnectionClosed, Timeout) as error:
            self._lost(error)
            raise

    def _receive_frame(self) -> Frame:
        connection = self._connection
        if connection is None:
            raise ConnectionClosed("the session is closed")
        try:
            return connection.recv(self.timeout)
        except (ConnectionClosed, Timeout) as error:
            self._lost(error)
            raise

    def _exchange(self, frame: bytes) -> Frame:
        """Send one request frame and wait for the reply frame."""
        connection = self._connection
        if connection is None:
            raise ConnectionClosed("the session is closed")
        try:
            connection.send(frame)
            return connection.recv(self.timeout)
        except (ConnectionClosed, Timeout) as error:
            self._lost(error)
            raise

    def _reply(self, expected: str, data: Frame) -> session_pb2.SessionResponse:
        """Parse a reply frame that must be ``expected`` (an error reply raises)."""
        try:
            response = session_pb2.SessionResponse.FromString(data)  # type: ignore[arg-type]  # upb takes any buffer
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

    def _step_result(self, reply: session_pb2.StepResponse, n: int) -> StepResult:
        """A step reply parsed by protobuf, decoded and checked."""
        try:
            observations = decode_batch(
                self.description.observation_space, reply.observations, n, path="observations"
            )
            rewards = read_column(reply.rewards, tensor_pb2.DTYPE_FLOAT64, F64_LE, n)
            terminated = read_column(reply.terminated, tensor_pb2.DTYPE_BOOL, BOOL, n)
            truncated = read_column(reply.truncated, tensor_pb2.DTYPE_BOOL, BOOL, n)
        except (InvalidValue, UnsupportedSpace) as error:
            self._drop()
            raise ProtocolError(f"malformed step reply: {error}") from error
        return StepResult(observations, rewards, terminated, truncated, *self._extras(reply, n))

    def _extras(
        self, reply: session_pb2.StepResponse, n: int
    ) -> tuple[list[dict[str, Any]], list[FinalStep]]:
        """The infos and finals of a step reply."""
        infos_msg, finals_msg = reply.infos, reply.finals
        infos = self._decode_infos(infos_msg, n) if infos_msg else [{} for _ in range(n)]
        finals = [self._decode_final(final, n) for final in finals_msg] if finals_msg else []
        return infos, finals

    def _remote_error(self, error: session_pb2.Error) -> RlayError:
        if error.code not in RECOVERABLE_CODES:
            self._drop()
        if error.code in (session_pb2.ERROR_CODE_PROTOCOL, session_pb2.ERROR_CODE_FRAME_TOO_LARGE):
            return RemoteError(error_code_name(error.code), error.message)
        return error_for_code(error.code, error.message)

    def _layout(self) -> AgentLayout:
        layout = self.description.agents
        if layout is None:
            raise RlayError(f"the env {self.description.env_id!r} declares no agents")
        return layout

    def _checked(
        self, decode: Callable[[AgentLayout, Any], _T], layout: AgentLayout, msg: Any
    ) -> _T:
        try:
            return decode(layout, msg)
        except ProtocolError:
            self._drop()
            raise

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


def read_column(tensor: tensor_pb2.Tensor, code: int, dtype: np.dtype[Any], n: int) -> Any:
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


def first_of_batch(space: gym.Space[Any], batch: Any) -> Any:
    """Element 0 of a batch of one, as the env itself would have returned it."""
    if isinstance(space, (spaces.Box, spaces.MultiBinary, spaces.MultiDiscrete)):
        return batch[0]
    if isinstance(space, spaces.Discrete):
        return int(batch[0])
    if isinstance(space, spaces.Tuple):
        return tuple(first_of_batch(s, b) for s, b in zip(space.spaces, batch, strict=True))
    if isinstance(space, spaces.Dict):
        return {key: first_of_batch(s, batch[key]) for key, s in space.spaces.items()}
    return batch[0]


def batch_of_one(space: gym.Space[Any], x: Any) -> Any:
    """The batch form of a single action (a view where possible: no copy on the hot path)."""
    if type(x) is int and type(space) is spaces.Discrete:
        return np.array((x,), dtype=space.dtype)
    if isinstance(space, (spaces.Box, spaces.MultiBinary, spaces.MultiDiscrete)):
        array = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=space.dtype)
        return array.reshape((1, *array.shape))
    if isinstance(space, spaces.Discrete):
        if isinstance(x, np.ndarray) and x.shape == () and np.issubdtype(x.dtype, np.integer):
            x = x.item()
        if not isinstance(x, (int, np.integer)) or isinstance(x, bool):
            raise InvalidValue(f"action: expected an integer for {space}, got {x!r}")
        return np.array([x], dtype=space.dtype)
    if isinstance(space, spaces.Tuple):
        if not isinstance(x, tuple) or len(x) != len(space.spaces):
            raise InvalidValue(f"action: expected a tuple of {len(space.spaces)} for {space}")
        return tuple(batch_of_one(s, v) for s, v in zip(space.spaces, x, strict=True))
    if isinstance(space, spaces.Dict):
        if not isinstance(x, dict) or set(x) != set(space.spaces):
            raise InvalidValue(f"action: expected a dict with keys {list(space.spaces)}")
        return {key: batch_of_one(s, x[key]) for key, s in space.spaces.items()}
    return (x,)
