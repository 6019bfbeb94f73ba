"""Step frames built and read by hand, for spaces whose batch is one tensor.

A step request is ``SessionRequest{step{actions{tensor{dtype, shape, data}}}}`` and a
step reply ``SessionResponse{step{observations{tensor{...}}, rewards, terminated,
truncated, infos*, finals*}}``. When the action and observation spaces are Box,
Discrete, MultiDiscrete or MultiBinary, every byte of those frames except the
tensors' data (and the reply's optional infos and finals) is the same at every step
of a session. :class:`StepCodec` computes those fixed bytes once, at the handshake,
by serializing template messages with protobuf itself, so what it writes is
byte-for-byte what protobuf would write; a step is then a concatenation, and reading
one checks the fixed bytes and slices the data out. A frame in any other layout
(another binding's field order, an error reply, an unknown field, ...) is not
recognised and the caller parses it with protobuf as before::

    >>> import numpy as np
    >>> from gymnasium import spaces
    >>> codec = StepCodec.for_spaces(spaces.Box(-1, 1, (2,)), spaces.Discrete(3), 1)
    >>> from rlay.v1 import session_pb2
    >>> frame = codec.encode_request(np.array([2]))
    >>> session_pb2.SessionRequest.FromString(frame).step.actions.tensor.data == frame[-8:]
    True
    >>> codec.decode_request(frame)
    array([2])
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlay.errors import RlayError
from rlay.protocol import BOOL, F64_LE, FinalStep
from rlay.tensors import SUPPORTED_DTYPES, dtype_to_proto
from rlay.transports.base import Frame
from rlay.v1 import session_pb2, tensor_pb2
from rlay.values import coerce_array, fill_element, fill_value

__all__ = ["StepCodec", "StepReply"]

_TENSOR_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)
_F64 = struct.Struct("<d")
_I64 = struct.Struct("<q")
_I64_LE = np.dtype("<i8")
_STEP_TAG = 0x1A  # SessionResponse.step: field 3, length-delimited
_FALSE_TRUE = b"\x00\x01"
_LITTLE_ENDIAN = sys.byteorder == "little"


class StepReply:
    """A step reply read by :meth:`StepCodec.decode_reply`: where each part of the
    frame lies, so that callers take what they need (a whole batch, or the scalars of
    a single env) without building the rest."""

    __slots__ = ("extra", "frame", "obs_at", "rewards_at", "terminated_at", "truncated_at")

    def __init__(
        self,
        frame: Frame,
        obs_at: int,
        rewards_at: int,
        terminated_at: int,
        truncated_at: int,
        extra: session_pb2.StepResponse | None,
    ) -> None:
        self.frame = frame
        self.obs_at = obs_at
        self.rewards_at = rewards_at
        self.terminated_at = terminated_at
        self.truncated_at = truncated_at
        #: The infos and finals, when the reply has any (parsed by protobuf).
        self.extra = extra


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _head(serialized: bytes, data_size: int) -> bytes:
    """The bytes of a serialized template in front of its trailing tensor data."""
    return serialized[: len(serialized) - data_size]


class _Tensor:
    """A tensor part of fixed dtype and shape: its data size and wire checks."""

    def __init__(self, dtype: np.dtype[Any], shape: tuple[int, ...]) -> None:
        self.dtype = dtype
        self.shape = shape
        self.code = dtype_to_proto(dtype)
        self.count = int(np.prod(shape, dtype=np.int64))
        self.size = self.count * dtype.itemsize
        self.is_bool = dtype == BOOL

    def fill(self, msg: tensor_pb2.Tensor) -> None:
        """A template: the right dtype and shape, data of the right size."""
        msg.dtype = self.code
        msg.shape[:] = self.shape
        msg.data = b"\x00" * self.size

    def read(self, frame: Frame, at: int) -> np.ndarray[Any, Any] | None:
        """A fresh writable array of the data at ``at``; None for bool bytes other than 0/1."""
        if self.is_bool and frame[at : at + self.size].translate(None, _FALSE_TRUE):
            return None
        array: np.ndarray[Any, Any] = np.frombuffer(frame, self.dtype, self.count, at)
        array = array.reshape(self.shape)
        # A bytearray frame is the caller's own (a transport received a large frame into
        # it): the array can live in it, writable, with no copy.
        return array if type(frame) is bytearray else array.copy()


class StepCodec:
    """The fixed parts of one session's step frames (see the module docstring).

    Build it with :meth:`for_spaces` (None when the spaces do not allow it). Requests:
    :meth:`encode_request` (agent), :meth:`decode_request` (env); replies:
    :meth:`encode_reply` (env), :meth:`decode_reply` (agent).
    """

    def __init__(
        self, observation_space: gym.Space[Any], action_space: gym.Space[Any], num_envs: int
    ) -> None:
        n = num_envs
        self.num_envs = n
        self.observation_space = observation_space
        self.action_space = action_space
        action_shape = tuple(action_space.shape or ())
        self._obs_one_shape = tuple(observation_space.shape or ())
        self._action = _Tensor(np.dtype(action_space.dtype), (n, *action_shape))
        self._obs = _Tensor(np.dtype(observation_space.dtype), (n, *self._obs_one_shape))
        self._discrete_action = (
            type(action_space) is spaces.Discrete and self._action.dtype == _I64_LE
        )
        self._discrete_obs = type(observation_space) is spaces.Discrete

        request = session_pb2.SessionRequest()
        self._action.fill(request.step.actions.tensor)
        self._request_head = _head(request.SerializeToString(), self._action.size)
        self._request_size = len(self._request_head) + self._action.size

        # The reply's fixed body: four parts, each a head and its data.
        column = _Tensor(F64_LE, (n,))
        flags = _Tensor(BOOL, (n,))
        heads = []
        for field, part in (
            ("observations", self._obs),
            ("rewards", column),
            ("terminated", flags),
            ("truncated", flags),
        ):
            msg = session_pb2.StepResponse()
            target = getattr(msg, field)
            part.fill(target.tensor if field == "observations" else target)
            heads.append(_head(msg.SerializeToString(), part.size))
        self._reply_heads = heads
        offsets = []
        at = 0
        for head, size in zip(heads, (self._obs.size, 8 * n, n, n), strict=True):
            at += len(head)
            offsets.append(at)
            at += size
        self._obs_at, self._rewards_at, self._terminated_at, self._truncated_at = offsets
        self._body_size = at
        # The frame up to the observations' data, when there are no infos or finals.
        self._lead = bytes([_STEP_TAG]) + _varint(at) + heads[0]
        self._reply_head_at = (
            0,
            offsets[0] + self._obs.size,
            offsets[1] + 8 * n,
            offsets[2] + n,
        )
        # One env, no infos or finals: the reply is lead + observation + a tail of fixed
        # heads around the reward and the two flags, packed and unpacked in one call.
        self._tail_heads = (heads[1], heads[2], heads[3])
        self._tail = struct.Struct(f"<{len(heads[1])}sd{len(heads[2])}sB{len(heads[3])}sB")
        self._tail_at = len(self._lead) + self._obs.size
        self._single_size = self._tail_at + self._tail.size
        self._request_at = len(self._request_head)

    @classmethod
    def for_spaces(
        cls, observation_space: gym.Space[Any], action_space: gym.Space[Any], num_envs: int
    ) -> StepCodec | None:
        """The codec for these spaces, or None when a space's batch is not one tensor."""
        if not _LITTLE_ENDIAN:
            return None
        for space in (observation_space, action_space):
            if type(space) not in _TENSOR_SPACES or space.dtype not in SUPPORTED_DTYPES:
                return None
        return cls(observation_space, action_space, num_envs)

    # -- requests ----------------------------------------------------------------------

    def encode_request(self, actions: Any) -> bytes:
        """The step request frame for a batch of actions (cast like ``fill_batch``)."""
        part = self._action
        array = coerce_array(actions, part.dtype, part.shape, path="actions")
        return b"".join((self._request_head, _data(array)))

    def encode_request_one(self, action: Any) -> bytes | None:
        """The request for a single env's action; None when only the generic path can
        tell what is wrong with it (or convert it)."""
        if self._discrete_action and type(action) is int:
            try:
                return self._request_head + _I64.pack(action)
            except struct.error:
                return None
        if self._discrete_action and type(action) is np.int64:
            return self._request_head + action.tobytes()
        part = self._action
        if (
            type(action) is np.ndarray
            and action.dtype == part.dtype
            and action.shape == part.shape[1:]
        ):
            return self._request_head + action.tobytes()
        return None

    def decode_request(self, frame: Frame) -> np.ndarray[Any, Any] | None:
        """The batch of actions of a step request in the fixed layout, else None."""
        if len(frame) != self._request_size or not frame.startswith(self._request_head):
            return None
        return self._action.read(frame, self._request_at)

    def decode_request_one(self, frame: Frame) -> Any | None:
        """A single env's action (element form, as ``batch[0]`` gives it: a Discrete
        action is an ``np.int64``) of a step request in the fixed layout, else None."""
        if len(frame) != self._request_size or not frame.startswith(self._request_head):
            return None
        if self._discrete_action:
            return np.int64(_I64.unpack_from(frame, self._request_at)[0])
        batch = self._action.read(frame, self._request_at)
        return None if batch is None else batch[0]

    # -- replies -----------------------------------------------------------------------

    def encode_reply(self, *step: Any) -> bytes:
        """The step reply frame for :meth:`encode_reply_parts`'s arguments (a
        :class:`~rlay.protocol.StepResult`'s fields; columns checked like the generic
        path checks them)."""
        return b"".join(self.encode_reply_parts(*step))

    def encode_reply_parts(
        self,
        observations: Any,
        rewards: Any,
        terminated: Any,
        truncated: Any,
        infos: Sequence[dict[str, Any]],
        finals: Sequence[FinalStep],
    ) -> list[Any]:
        """The parts whose concatenation is the step reply frame; the observations are
        the array's own memory when it is contiguous (a transport that gathers parts
        sends them without a copy)."""
        n = self.num_envs
        obs = coerce_array(observations, self._obs.dtype, self._obs.shape, path="observations")
        heads = self._reply_heads
        extra = self._extra(infos, finals) if finals or any(infos) else b""
        lead = (
            self._lead
            if not extra
            else b"%c%s%s"
            % (
                _STEP_TAG,
                _varint(self._body_size + len(extra)),
                heads[0],
            )
        )
        return [
            lead,
            _data(obs),
            heads[1],
            _column(rewards, F64_LE, n, "rewards"),
            heads[2],
            _column(terminated, BOOL, n, "terminated"),
            heads[3],
            _column(truncated, BOOL, n, "truncated"),
            extra,
        ]

    def encode_reply_one(
        self, observation: Any, reward: Any, terminated: Any, truncated: Any, info: Any
    ) -> list[Any] | None:
        """The parts of the reply (see :meth:`encode_reply_parts`) of a single env's step
        with no info, from the values ``env.step`` returned; None when only
        :meth:`encode_reply` can tell how to cast them (or what is wrong with them): an
        observation that is not a C-contiguous array of the space's dtype and shape, a
        reward struct does not take as a float, an info."""
        part = self._obs
        if (
            info
            or type(observation) is not np.ndarray
            or observation.dtype != part.dtype
            or observation.shape != self._obs_one_shape
            or not observation.flags.c_contiguous
        ):
            return None
        h1, h2, h3 = self._tail_heads
        try:
            tail = self._tail.pack(h1, reward, h2, bool(terminated), h3, bool(truncated))
        except (struct.error, TypeError, ValueError):
            return None
        return [self._lead, memoryview(observation), tail]  # type: ignore[arg-type]

    def _extra(self, infos: Sequence[dict[str, Any]], finals: Sequence[FinalStep]) -> bytes:
        # Appended after fields 1-4, protobuf's own serialization of the repeated fields
        # is exactly what it writes for them in the whole message (fields in order).
        msg = session_pb2.StepResponse()
        if any(infos):
            for info in infos:
                fill_value(msg.infos.add(), dict(info))
        for final in finals:
            entry = msg.finals.add()
            entry.index = final.index
            fill_element(entry.observation, self.observation_space, final.observation)
            fill_value(entry.info, final.info)
        return msg.SerializeToString()

    def decode_reply(self, frame: Frame) -> StepReply | None:
        """Where the parts of a step reply in the fixed layout are, else None."""
        size = len(frame)
        if size < 2 or frame[0] != _STEP_TAG:
            return None
        length = frame[1]
        at = 2
        if length >= 0x80:
            length, at = _read_varint(frame, 1)
        if at + length != size or length < self._body_size:
            return None
        heads = self._reply_heads
        starts = self._reply_head_at
        for i in range(4):
            if not frame.startswith(heads[i], at + starts[i]):
                return None
        extra = None
        end = at + self._body_size
        if end < size:
            extra = session_pb2.StepResponse.FromString(frame[end:])  # type: ignore[arg-type]
            if (
                extra.HasField("observations")
                or extra.HasField("rewards")
                or extra.HasField("terminated")
                or extra.HasField("truncated")
            ):
                return None  # repeated singular fields merge: leave that to protobuf
        return StepReply(
            frame,
            at + self._obs_at,
            at + self._rewards_at,
            at + self._terminated_at,
            at + self._truncated_at,
            extra,
        )

    def decode_reply_one(self, frame: Frame) -> tuple[Any, float, bool, bool] | None:
        """A single env's observation, reward, terminated, truncated from a reply in the
        fixed layout without infos or finals (as :meth:`single` reads them), else None."""
        if len(frame) != self._single_size or not frame.startswith(self._lead):
            return None
        h1, reward, h2, terminated, h3, truncated = self._tail.unpack_from(frame, self._tail_at)
        heads = self._tail_heads
        if (
            h1 != heads[0]
            or h2 != heads[1]
            or h3 != heads[2]
            or terminated > 1
            or truncated > 1
            or self._obs.is_bool
        ):
            return None
        at = len(self._lead)
        part = self._obs
        if self._discrete_obs:
            obs: Any = int(np.frombuffer(frame, part.dtype, 1, at)[0])
        elif not self._obs_one_shape:
            obs = np.frombuffer(frame, part.dtype, 1, at)[0]
        else:
            obs = np.frombuffer(frame, part.dtype, part.count, at).reshape(self._obs_one_shape)
            if type(frame) is not bytearray:  # see _Tensor.read
                obs = obs.copy()
        return obs, reward, terminated == 1, truncated == 1

    def observations(self, reply: StepReply) -> np.ndarray[Any, Any] | None:
        """The batch of observations (None: bool bytes other than 0/1)."""
        return self._obs.read(reply.frame, reply.obs_at)

    def columns(self, reply: StepReply) -> tuple[Any, Any, Any] | None:
        """Rewards, terminated and truncated as fresh [n] arrays (None: bad bool bytes)."""
        n = self.num_envs
        frame = reply.frame
        terminated = frame[reply.terminated_at : reply.terminated_at + n]
        truncated = frame[reply.truncated_at : reply.truncated_at + n]
        if terminated.translate(None, _FALSE_TRUE) or truncated.translate(None, _FALSE_TRUE):
            return None
        return (
            np.frombuffer(frame, F64_LE, n, reply.rewards_at).copy(),
            np.frombuffer(terminated, BOOL).copy(),
            np.frombuffer(truncated, BOOL).copy(),
        )

    def single(self, reply: StepReply) -> tuple[Any, float, bool, bool] | None:
        """A single env's observation, reward, terminated, truncated (None: bad bytes)."""
        frame = reply.frame
        terminated = frame[reply.terminated_at]
        truncated = frame[reply.truncated_at]
        if terminated > 1 or truncated > 1:
            return None
        part = self._obs
        if part.is_bool and frame[reply.obs_at : reply.obs_at + part.size].translate(
            None, _FALSE_TRUE
        ):
            return None
        if self._discrete_obs:
            obs: Any = int(np.frombuffer(frame, part.dtype, 1, reply.obs_at)[0])
        elif not self._obs_one_shape:
            # batch[0] of a shape-() Box: a numpy scalar, as the generic path gives.
            obs = np.frombuffer(frame, part.dtype, 1, reply.obs_at)[0]
        else:
            obs = np.frombuffer(frame, part.dtype, part.count, reply.obs_at).reshape(
                self._obs_one_shape
            )
            if type(frame) is not bytearray:  # see _Tensor.read
                obs = obs.copy()
        return obs, _F64.unpack_from(frame, reply.rewards_at)[0], terminated == 1, truncated == 1

    def infos(self, reply: StepReply) -> list[Any]:
        """The reply's raw info Values (empty: every info is empty)."""
        return list(reply.extra.infos) if reply.extra is not None else []

    def finals(self, reply: StepReply) -> list[Any]:
        """The reply's raw FinalStep messages."""
        return list(reply.extra.finals) if reply.extra is not None else []


def _data(array: np.ndarray[Any, Any]) -> Any:
    """The bytes of an array for a join: its own memory when contiguous (one copy, into
    the frame), else its C-order copy."""
    return memoryview(array) if array.flags.c_contiguous else array.tobytes()  # type: ignore[arg-type]


def _read_varint(frame: Frame, at: int) -> tuple[int, int]:
    value = shift = 0
    while at < len(frame) and shift < 64:
        byte = frame[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7
    return -1, at


def _column(values: Any, dtype: np.dtype[Any], n: int, name: str) -> bytes:
    """The wire bytes of a float64/bool [n] column (rewards, terminated, truncated)."""
    if type(values) is np.ndarray and values.dtype == dtype and values.shape == (n,):
        return values.tobytes()
    array = np.asarray(values, dtype=dtype)
    if array.shape != (n,):
        raise RlayError(f"the env returned {name} of shape {array.shape}; expected ({n},)")
    return array.tobytes()
