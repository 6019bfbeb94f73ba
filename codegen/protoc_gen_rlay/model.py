"""A small, language-neutral model of the .proto files a backend emits code for.

The model holds only what the rlay contract uses. Building it validates the
input: anything a backend could not encode faithfully is refused with a
:class:`UnsupportedFeature` naming the place (``file:Message.field``), so a
new construct in the contract fails generation loudly instead of producing a
codec that silently mis-encodes it.

Example::

    files = build_model(request.proto_file, request.file_to_generate)
    for message in files[0].messages:
        print(message.name, [field.name for field in message.fields])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from google.protobuf import descriptor_pb2

FieldProto = descriptor_pb2.FieldDescriptorProto

# Scalar kinds the contract uses, by descriptor type. A backend maps each one
# to a native type and a wire encoding; a scalar outside this table (float,
# int32, sint64, fixed32, ...) is refused until a backend supports it.
SCALAR_KINDS: dict[int, str] = {
    FieldProto.TYPE_BOOL: "bool",
    FieldProto.TYPE_INT64: "int64",
    FieldProto.TYPE_UINT32: "uint32",
    FieldProto.TYPE_UINT64: "uint64",
    FieldProto.TYPE_DOUBLE: "double",
    FieldProto.TYPE_STRING: "string",
    FieldProto.TYPE_BYTES: "bytes",
}

# Kinds encoded as varints or fixed-width numbers: these may be packed.
NUMERIC_KINDS = frozenset({"bool", "int64", "uint32", "uint64", "double", "enum"})

# Protobuf wire types.
WIRE_VARINT = 0
WIRE_FIXED64 = 1
WIRE_LEN = 2

_WIRE_TYPES = {
    "bool": WIRE_VARINT,
    "int64": WIRE_VARINT,
    "uint32": WIRE_VARINT,
    "uint64": WIRE_VARINT,
    "enum": WIRE_VARINT,
    "double": WIRE_FIXED64,
    "string": WIRE_LEN,
    "bytes": WIRE_LEN,
    "message": WIRE_LEN,
}


class UnsupportedFeature(Exception):
    """The .proto input uses something the generator does not support."""


@dataclass(frozen=True)
class EnumValue:
    name: str
    number: int
    doc: str = ""


@dataclass(frozen=True)
class Enum:
    name: str
    full_name: str  # "rlay.v1.Dtype"
    values: tuple[EnumValue, ...]
    doc: str = ""


@dataclass(frozen=True)
class Field:
    """One field. ``kind`` is a scalar kind, "enum" or "message"."""

    name: str
    number: int
    kind: str
    repeated: bool
    type_name: str = ""  # full name of the enum or message, "" for scalars
    oneof: str = ""  # name of the containing oneof, "" when none
    packed: bool = False
    json_name: str = ""
    doc: str = ""

    @property
    def wire_type(self) -> int:
        """Wire type of one element (a packed field travels as WIRE_LEN)."""
        return _WIRE_TYPES[self.kind]

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class Oneof:
    name: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Message:
    name: str
    full_name: str  # "rlay.v1.Tensor"
    fields: tuple[Field, ...]  # sorted by number: the order they are written in
    oneofs: tuple[Oneof, ...]
    doc: str = ""


@dataclass(frozen=True)
class File:
    name: str  # "rlay/v1/tensor.proto"
    package: str
    dependencies: tuple[str, ...]
    messages: tuple[Message, ...]
    enums: tuple[Enum, ...]
    options: dict[str, str] = field(default_factory=dict)  # e.g. csharp_namespace


@dataclass(frozen=True)
class Model:
    """The files to generate plus a table of every type they may reference."""

    files: tuple[File, ...]
    messages: dict[str, Message]
    enums: dict[str, Enum]

    def message(self, full_name: str) -> Message:
        return self.messages[full_name]

    def enum(self, full_name: str) -> Enum:
        return self.enums[full_name]


def build_model(
    proto_files: Sequence[descriptor_pb2.FileDescriptorProto],
    to_generate: Iterable[str],
) -> Model:
    """Validate every file and model the ones named in ``to_generate``.

    All files (dependencies included) are validated, since generated code of
    one file refers to the types of the others.
    """
    built = {proto.name: _build_file(proto) for proto in proto_files}
    messages = {m.full_name: m for f in built.values() for m in f.messages}
    enums = {e.full_name: e for f in built.values() for e in f.enums}
    for f in built.values():
        _check_references(f, messages, enums)
    wanted = list(to_generate)
    missing = [name for name in wanted if name not in built]
    if missing:
        raise UnsupportedFeature(
            f"files to generate are missing from the request: {missing}"
        )
    return Model(
        files=tuple(built[name] for name in wanted), messages=messages, enums=enums
    )


class _Docs:
    """Leading comments of a file, looked up by descriptor path."""

    # Field numbers of FileDescriptorProto / DescriptorProto / EnumDescriptorProto.
    MESSAGE, ENUM, FIELD, VALUE = 4, 5, 2, 2

    def __init__(self, proto: descriptor_pb2.FileDescriptorProto) -> None:
        self._by_path = {
            tuple(location.path): location.leading_comments.strip()
            for location in proto.source_code_info.location
            if location.leading_comments
        }

    def get(self, *path: int) -> str:
        return self._by_path.get(path, "")


def _build_file(proto: descriptor_pb2.FileDescriptorProto) -> File:
    where = proto.name
    if proto.syntax != "proto3":
        raise UnsupportedFeature(
            f"{where}: syntax {proto.syntax or 'proto2'!r}; only proto3"
        )
    if proto.extension:
        raise UnsupportedFeature(f"{where}: extensions are not supported")
    options = {}
    if proto.options.HasField("csharp_namespace"):
        options["csharp_namespace"] = proto.options.csharp_namespace
    docs = _Docs(proto)
    package = proto.package
    messages = tuple(
        _build_message(where, package, m, docs, (_Docs.MESSAGE, i))
        for i, m in enumerate(proto.message_type)
    )
    enums = tuple(
        _build_enum(where, package, e, docs, (_Docs.ENUM, i))
        for i, e in enumerate(proto.enum_type)
    )
    return File(
        name=proto.name,
        package=package,
        dependencies=tuple(proto.dependency),
        messages=messages,
        enums=enums,
        options=options,
    )


def _build_enum(
    where: str,
    package: str,
    proto: descriptor_pb2.EnumDescriptorProto,
    docs: _Docs,
    path: tuple[int, ...],
) -> Enum:
    values = tuple(
        EnumValue(v.name, v.number, docs.get(*path, _Docs.VALUE, i))
        for i, v in enumerate(proto.value)
    )
    if not values or values[0].number != 0:
        raise UnsupportedFeature(f"{where}:{proto.name}: the first value must be 0")
    if proto.options.allow_alias:
        raise UnsupportedFeature(
            f"{where}:{proto.name}: enum aliases are not supported"
        )
    return Enum(
        name=proto.name,
        full_name=f"{package}.{proto.name}",
        values=values,
        doc=docs.get(*path),
    )


def _build_message(
    where: str,
    package: str,
    proto: descriptor_pb2.DescriptorProto,
    docs: _Docs,
    path: tuple[int, ...],
) -> Message:
    place = f"{where}:{proto.name}"
    for nested in proto.nested_type:
        if nested.options.map_entry:
            field_name = _map_field_name(proto, nested.name)
            raise UnsupportedFeature(
                f"{place}.{field_name}: map fields are not supported"
            )
        raise UnsupportedFeature(
            f"{place}.{nested.name}: nested messages are not supported"
        )
    if proto.enum_type:
        raise UnsupportedFeature(
            f"{place}.{proto.enum_type[0].name}: nested enums are not supported"
        )
    if proto.extension or proto.extension_range:
        raise UnsupportedFeature(f"{place}: extensions are not supported")
    oneof_names = [o.name for o in proto.oneof_decl]
    fields = sorted(
        (
            _build_field(place, f, oneof_names, docs.get(*path, _Docs.FIELD, i))
            for i, f in enumerate(proto.field)
        ),
        key=lambda f: f.number,
    )
    oneofs = tuple(
        Oneof(name, tuple(f for f in fields if f.oneof == name)) for name in oneof_names
    )
    return Message(
        name=proto.name,
        full_name=f"{package}.{proto.name}",
        fields=tuple(fields),
        oneofs=oneofs,
        doc=docs.get(*path),
    )


def _map_field_name(proto: descriptor_pb2.DescriptorProto, entry_name: str) -> str:
    for f in proto.field:
        if f.type_name.endswith("." + entry_name):
            return f.name
    return entry_name


def _build_field(
    place: str, proto: FieldProto, oneof_names: list[str], doc: str
) -> Field:
    where = f"{place}.{proto.name}"
    if proto.proto3_optional:
        raise UnsupportedFeature(
            f"{where}: proto3 'optional' is not supported; use a oneof"
        )
    if proto.type == FieldProto.TYPE_GROUP:
        raise UnsupportedFeature(f"{where}: groups are not supported")
    if proto.label == FieldProto.LABEL_REQUIRED:
        raise UnsupportedFeature(f"{where}: required fields are not supported")
    if proto.HasField("default_value"):
        raise UnsupportedFeature(f"{where}: default values are not supported")
    if proto.type == FieldProto.TYPE_MESSAGE:
        kind = "message"
    elif proto.type == FieldProto.TYPE_ENUM:
        kind = "enum"
    elif proto.type in SCALAR_KINDS:
        kind = SCALAR_KINDS[proto.type]
    else:
        type_name = FieldProto.Type.Name(proto.type).removeprefix("TYPE_").lower()
        raise UnsupportedFeature(f"{where}: scalar type {type_name} is not supported")
    repeated = proto.label == FieldProto.LABEL_REPEATED
    packed = repeated and kind in NUMERIC_KINDS
    if packed and proto.options.HasField("packed"):
        packed = proto.options.packed
    oneof = oneof_names[proto.oneof_index] if proto.HasField("oneof_index") else ""
    return Field(
        name=proto.name,
        number=proto.number,
        kind=kind,
        repeated=repeated,
        type_name=proto.type_name.lstrip("."),
        oneof=oneof,
        packed=packed,
        json_name=proto.json_name,
        doc=doc,
    )


def _check_references(
    f: File, messages: dict[str, Message], enums: dict[str, Enum]
) -> None:
    for message in f.messages:
        for fld in message.fields:
            table: dict[str, Message] | dict[str, Enum] | None = (
                messages
                if fld.kind == "message"
                else enums
                if fld.kind == "enum"
                else None
            )
            if table is not None and fld.type_name not in table:
                raise UnsupportedFeature(
                    f"{f.name}:{message.name}.{fld.name}: unknown type {fld.type_name}"
                )
