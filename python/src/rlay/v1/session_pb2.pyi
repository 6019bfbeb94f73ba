from rlay.v1 import space_pb2 as _space_pb2
from rlay.v1 import tensor_pb2 as _tensor_pb2
from rlay.v1 import value_pb2 as _value_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AutoresetMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTORESET_MODE_UNSPECIFIED: _ClassVar[AutoresetMode]
    AUTORESET_MODE_NEXT_STEP: _ClassVar[AutoresetMode]
    AUTORESET_MODE_SAME_STEP: _ClassVar[AutoresetMode]
    AUTORESET_MODE_DISABLED: _ClassVar[AutoresetMode]

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_CODE_UNSPECIFIED: _ClassVar[ErrorCode]
    ERROR_CODE_ENV: _ClassVar[ErrorCode]
    ERROR_CODE_INVALID_ARGUMENT: _ClassVar[ErrorCode]
    ERROR_CODE_VERSION_MISMATCH: _ClassVar[ErrorCode]
    ERROR_CODE_UNAUTHENTICATED: _ClassVar[ErrorCode]
    ERROR_CODE_PROTOCOL: _ClassVar[ErrorCode]
    ERROR_CODE_FRAME_TOO_LARGE: _ClassVar[ErrorCode]
    ERROR_CODE_UNIMPLEMENTED: _ClassVar[ErrorCode]
    ERROR_CODE_UNAVAILABLE: _ClassVar[ErrorCode]
    ERROR_CODE_FAILED_PRECONDITION: _ClassVar[ErrorCode]
    ERROR_CODE_CAPABILITY_REQUIRED: _ClassVar[ErrorCode]
AUTORESET_MODE_UNSPECIFIED: AutoresetMode
AUTORESET_MODE_NEXT_STEP: AutoresetMode
AUTORESET_MODE_SAME_STEP: AutoresetMode
AUTORESET_MODE_DISABLED: AutoresetMode
ERROR_CODE_UNSPECIFIED: ErrorCode
ERROR_CODE_ENV: ErrorCode
ERROR_CODE_INVALID_ARGUMENT: ErrorCode
ERROR_CODE_VERSION_MISMATCH: ErrorCode
ERROR_CODE_UNAUTHENTICATED: ErrorCode
ERROR_CODE_PROTOCOL: ErrorCode
ERROR_CODE_FRAME_TOO_LARGE: ErrorCode
ERROR_CODE_UNIMPLEMENTED: ErrorCode
ERROR_CODE_UNAVAILABLE: ErrorCode
ERROR_CODE_FAILED_PRECONDITION: ErrorCode
ERROR_CODE_CAPABILITY_REQUIRED: ErrorCode

class ProtocolVersion(_message.Message):
    __slots__ = ("major", "minor")
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    MINOR_FIELD_NUMBER: _ClassVar[int]
    major: int
    minor: int
    def __init__(self, major: _Optional[int] = ..., minor: _Optional[int] = ...) -> None: ...

class Hello(_message.Message):
    __slots__ = ("protocol_version", "implementation", "implementation_version", "capabilities", "token", "env_spec", "render_mode")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    IMPLEMENTATION_FIELD_NUMBER: _ClassVar[int]
    IMPLEMENTATION_VERSION_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENV_SPEC_FIELD_NUMBER: _ClassVar[int]
    RENDER_MODE_FIELD_NUMBER: _ClassVar[int]
    protocol_version: ProtocolVersion
    implementation: str
    implementation_version: str
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    token: str
    env_spec: EnvSpec
    render_mode: str
    def __init__(self, protocol_version: _Optional[_Union[ProtocolVersion, _Mapping]] = ..., implementation: _Optional[str] = ..., implementation_version: _Optional[str] = ..., capabilities: _Optional[_Iterable[str]] = ..., token: _Optional[str] = ..., env_spec: _Optional[_Union[EnvSpec, _Mapping]] = ..., render_mode: _Optional[str] = ...) -> None: ...

class EnvSpec(_message.Message):
    __slots__ = ("env_id", "observation_space", "action_space", "num_envs", "autoreset_mode", "render_modes", "render_mode", "render_fps", "max_episode_steps", "metadata", "behaviors", "agents")
    ENV_ID_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_SPACE_FIELD_NUMBER: _ClassVar[int]
    ACTION_SPACE_FIELD_NUMBER: _ClassVar[int]
    NUM_ENVS_FIELD_NUMBER: _ClassVar[int]
    AUTORESET_MODE_FIELD_NUMBER: _ClassVar[int]
    RENDER_MODES_FIELD_NUMBER: _ClassVar[int]
    RENDER_MODE_FIELD_NUMBER: _ClassVar[int]
    RENDER_FPS_FIELD_NUMBER: _ClassVar[int]
    MAX_EPISODE_STEPS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    BEHAVIORS_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    env_id: str
    observation_space: _space_pb2.Space
    action_space: _space_pb2.Space
    num_envs: int
    autoreset_mode: AutoresetMode
    render_modes: _containers.RepeatedScalarFieldContainer[str]
    render_mode: str
    render_fps: float
    max_episode_steps: int
    metadata: _value_pb2.Value
    behaviors: _containers.RepeatedCompositeFieldContainer[BehaviorSpec]
    agents: _containers.RepeatedCompositeFieldContainer[AgentSpec]
    def __init__(self, env_id: _Optional[str] = ..., observation_space: _Optional[_Union[_space_pb2.Space, _Mapping]] = ..., action_space: _Optional[_Union[_space_pb2.Space, _Mapping]] = ..., num_envs: _Optional[int] = ..., autoreset_mode: _Optional[_Union[AutoresetMode, str]] = ..., render_modes: _Optional[_Iterable[str]] = ..., render_mode: _Optional[str] = ..., render_fps: _Optional[float] = ..., max_episode_steps: _Optional[int] = ..., metadata: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., behaviors: _Optional[_Iterable[_Union[BehaviorSpec, _Mapping]]] = ..., agents: _Optional[_Iterable[_Union[AgentSpec, _Mapping]]] = ...) -> None: ...

class BehaviorSpec(_message.Message):
    __slots__ = ("name", "observation_space", "action_space")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_SPACE_FIELD_NUMBER: _ClassVar[int]
    ACTION_SPACE_FIELD_NUMBER: _ClassVar[int]
    name: str
    observation_space: _space_pb2.Space
    action_space: _space_pb2.Space
    def __init__(self, name: _Optional[str] = ..., observation_space: _Optional[_Union[_space_pb2.Space, _Mapping]] = ..., action_space: _Optional[_Union[_space_pb2.Space, _Mapping]] = ...) -> None: ...

class AgentSpec(_message.Message):
    __slots__ = ("name", "behavior")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    behavior: str
    def __init__(self, name: _Optional[str] = ..., behavior: _Optional[str] = ...) -> None: ...

class AgentBatch(_message.Message):
    __slots__ = ("behavior", "agents", "observations", "rewards", "terminated", "truncated", "infos", "live")
    BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    REWARDS_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    INFOS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    behavior: str
    agents: _containers.RepeatedScalarFieldContainer[str]
    observations: _value_pb2.Value
    rewards: _tensor_pb2.Tensor
    terminated: _tensor_pb2.Tensor
    truncated: _tensor_pb2.Tensor
    infos: _containers.RepeatedCompositeFieldContainer[_value_pb2.Value]
    live: _tensor_pb2.Tensor
    def __init__(self, behavior: _Optional[str] = ..., agents: _Optional[_Iterable[str]] = ..., observations: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., rewards: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., terminated: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., truncated: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., infos: _Optional[_Iterable[_Union[_value_pb2.Value, _Mapping]]] = ..., live: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class AgentActions(_message.Message):
    __slots__ = ("behavior", "agents", "actions")
    BEHAVIOR_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    behavior: str
    agents: _containers.RepeatedScalarFieldContainer[str]
    actions: _value_pb2.Value
    def __init__(self, behavior: _Optional[str] = ..., agents: _Optional[_Iterable[str]] = ..., actions: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class Seed(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: int
    def __init__(self, value: _Optional[int] = ...) -> None: ...

class ResetRequest(_message.Message):
    __slots__ = ("seeds", "options", "mask")
    SEEDS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    MASK_FIELD_NUMBER: _ClassVar[int]
    seeds: _containers.RepeatedCompositeFieldContainer[Seed]
    options: _value_pb2.Value
    mask: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, seeds: _Optional[_Iterable[_Union[Seed, _Mapping]]] = ..., options: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., mask: _Optional[_Iterable[bool]] = ...) -> None: ...

class ResetResponse(_message.Message):
    __slots__ = ("observations", "infos", "agents")
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    INFOS_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    observations: _value_pb2.Value
    infos: _containers.RepeatedCompositeFieldContainer[_value_pb2.Value]
    agents: _containers.RepeatedCompositeFieldContainer[AgentBatch]
    def __init__(self, observations: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., infos: _Optional[_Iterable[_Union[_value_pb2.Value, _Mapping]]] = ..., agents: _Optional[_Iterable[_Union[AgentBatch, _Mapping]]] = ...) -> None: ...

class StepRequest(_message.Message):
    __slots__ = ("actions", "agent_actions")
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    AGENT_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    actions: _value_pb2.Value
    agent_actions: _containers.RepeatedCompositeFieldContainer[AgentActions]
    def __init__(self, actions: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., agent_actions: _Optional[_Iterable[_Union[AgentActions, _Mapping]]] = ...) -> None: ...

class FinalStep(_message.Message):
    __slots__ = ("index", "observation", "info")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    index: int
    observation: _value_pb2.Value
    info: _value_pb2.Value
    def __init__(self, index: _Optional[int] = ..., observation: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., info: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class StepResponse(_message.Message):
    __slots__ = ("observations", "rewards", "terminated", "truncated", "infos", "finals", "agents")
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    REWARDS_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    INFOS_FIELD_NUMBER: _ClassVar[int]
    FINALS_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    observations: _value_pb2.Value
    rewards: _tensor_pb2.Tensor
    terminated: _tensor_pb2.Tensor
    truncated: _tensor_pb2.Tensor
    infos: _containers.RepeatedCompositeFieldContainer[_value_pb2.Value]
    finals: _containers.RepeatedCompositeFieldContainer[FinalStep]
    agents: _containers.RepeatedCompositeFieldContainer[AgentBatch]
    def __init__(self, observations: _Optional[_Union[_value_pb2.Value, _Mapping]] = ..., rewards: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., terminated: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., truncated: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., infos: _Optional[_Iterable[_Union[_value_pb2.Value, _Mapping]]] = ..., finals: _Optional[_Iterable[_Union[FinalStep, _Mapping]]] = ..., agents: _Optional[_Iterable[_Union[AgentBatch, _Mapping]]] = ...) -> None: ...

class RenderRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RenderResponse(_message.Message):
    __slots__ = ("frames",)
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    frames: _containers.RepeatedCompositeFieldContainer[_value_pb2.Value]
    def __init__(self, frames: _Optional[_Iterable[_Union[_value_pb2.Value, _Mapping]]] = ...) -> None: ...

class CallRequest(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: _value_pb2.Value
    def __init__(self, name: _Optional[str] = ..., value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class CallResponse(_message.Message):
    __slots__ = ("value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: _value_pb2.Value
    def __init__(self, value: _Optional[_Union[_value_pb2.Value, _Mapping]] = ...) -> None: ...

class CloseRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CloseResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Error(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: ErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[ErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class SessionRequest(_message.Message):
    __slots__ = ("hello", "reset", "step", "render", "call", "close")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    RENDER_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    hello: Hello
    reset: ResetRequest
    step: StepRequest
    render: RenderRequest
    call: CallRequest
    close: CloseRequest
    def __init__(self, hello: _Optional[_Union[Hello, _Mapping]] = ..., reset: _Optional[_Union[ResetRequest, _Mapping]] = ..., step: _Optional[_Union[StepRequest, _Mapping]] = ..., render: _Optional[_Union[RenderRequest, _Mapping]] = ..., call: _Optional[_Union[CallRequest, _Mapping]] = ..., close: _Optional[_Union[CloseRequest, _Mapping]] = ...) -> None: ...

class SessionResponse(_message.Message):
    __slots__ = ("hello", "reset", "step", "render", "call", "close", "error")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    RENDER_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    hello: Hello
    reset: ResetResponse
    step: StepResponse
    render: RenderResponse
    call: CallResponse
    close: CloseResponse
    error: Error
    def __init__(self, hello: _Optional[_Union[Hello, _Mapping]] = ..., reset: _Optional[_Union[ResetResponse, _Mapping]] = ..., step: _Optional[_Union[StepResponse, _Mapping]] = ..., render: _Optional[_Union[RenderResponse, _Mapping]] = ..., call: _Optional[_Union[CallResponse, _Mapping]] = ..., close: _Optional[_Union[CloseResponse, _Mapping]] = ..., error: _Optional[_Union[Error, _Mapping]] = ...) -> None: ...
