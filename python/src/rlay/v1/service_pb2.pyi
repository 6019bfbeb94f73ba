from rlay.v1 import session_pb2 as _session_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AttachRequest(_message.Message):
    __slots__ = ("response",)
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    response: _session_pb2.SessionResponse
    def __init__(self, response: _Optional[_Union[_session_pb2.SessionResponse, _Mapping]] = ...) -> None: ...

class AttachResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: _session_pb2.SessionRequest
    def __init__(self, request: _Optional[_Union[_session_pb2.SessionRequest, _Mapping]] = ...) -> None: ...
