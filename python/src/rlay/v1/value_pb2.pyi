from rlay.v1 import tensor_pb2 as _tensor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Value(_message.Message):
    __slots__ = ("bool_value", "int_value", "float_value", "string_value", "bytes_value", "tensor", "list_value", "tuple_value", "map_value", "graph_value", "one_of_value")
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    BYTES_VALUE_FIELD_NUMBER: _ClassVar[int]
    TENSOR_FIELD_NUMBER: _ClassVar[int]
    LIST_VALUE_FIELD_NUMBER: _ClassVar[int]
    TUPLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAP_VALUE_FIELD_NUMBER: _ClassVar[int]
    GRAPH_VALUE_FIELD_NUMBER: _ClassVar[int]
    ONE_OF_VALUE_FIELD_NUMBER: _ClassVar[int]
    bool_value: bool
    int_value: int
    float_value: float
    string_value: str
    bytes_value: bytes
    tensor: _tensor_pb2.Tensor
    list_value: ValueList
    tuple_value: ValueList
    map_value: ValueMap
    graph_value: GraphValue
    one_of_value: OneOfValue
    def __init__(self, bool_value: _Optional[bool] = ..., int_value: _Optional[int] = ..., float_value: _Optional[float] = ..., string_value: _Optional[str] = ..., bytes_value: _Optional[bytes] = ..., tensor: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., list_value: _Optional[_Union[ValueList, _Mapping]] = ..., tuple_value: _Optional[_Union[ValueList, _Mapping]] = ..., map_value: _Optional[_Union[ValueMap, _Mapping]] = ..., graph_value: _Optional[_Union[GraphValue, _Mapping]] = ..., one_of_value: _Optional[_Union[OneOfValue, _Mapping]] = ...) -> None: ...

class ValueList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Value]
    def __init__(self, items: _Optional[_Iterable[_Union[Value, _Mapping]]] = ...) -> None: ...

class ValueMap(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ValueMapEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[ValueMapEntry, _Mapping]]] = ...) -> None: ...

class ValueMapEntry(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: Value
    def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Value, _Mapping]] = ...) -> None: ...

class GraphValue(_message.Message):
    __slots__ = ("nodes", "edges", "edge_links")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    EDGE_LINKS_FIELD_NUMBER: _ClassVar[int]
    nodes: _tensor_pb2.Tensor
    edges: _tensor_pb2.Tensor
    edge_links: _tensor_pb2.Tensor
    def __init__(self, nodes: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., edges: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., edge_links: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class OneOfValue(_message.Message):
    __slots__ = ("index", "value")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    index: int
    value: Value
    def __init__(self, index: _Optional[int] = ..., value: _Optional[_Union[Value, _Mapping]] = ...) -> None: ...
