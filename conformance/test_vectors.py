"""Golden wire vectors: the Python codec decodes, matches the JSON and re-encodes each one
byte for byte; the committed files are what vectors/generate.py writes; together they
cover every message type, every oneof kind and every enum value of rlay.v1."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from google.protobuf import json_format, symbol_database
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from rlay import tensors
from rlay.errors import InvalidValue
from rlay.v1 import service_pb2, session_pb2, space_pb2, tensor_pb2, value_pb2

VECTORS = Path(__file__).resolve().parent / "vectors"
NAMES = sorted(p.stem for p in VECTORS.glob("*.binpb"))
FILES = (tensor_pb2, space_pb2, value_pb2, session_pb2, service_pb2)


def load_generate() -> Any:
    spec = importlib.util.spec_from_file_location("vectors_generate", VECTORS / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(name: str) -> tuple[bytes, dict[str, Any], Message]:
    data = (VECTORS / f"{name}.binpb").read_bytes()
    body = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    cls = symbol_database.Default().GetSymbol(body["message"])
    message = cls()
    message.ParseFromString(data)
    return data, body, message


def test_vectors_are_up_to_date() -> None:
    """The committed files are exactly what generate.py writes (no stale, missing or extra)."""
    wanted = load_generate().expected_files()
    present = {p.name for p in VECTORS.iterdir() if p.suffix in {".binpb", ".json"}}
    assert present == set(wanted), sorted(present ^ set(wanted))
    stale = [n for n, data in wanted.items() if (VECTORS / n).read_bytes() != data]
    assert not stale, f"run conformance/vectors/generate.py: stale {stale}"
    assert len(NAMES) >= 80


@pytest.mark.parametrize("name", NAMES)
def test_vector_roundtrip(name: str) -> None:
    """bytes -> message equals the JSON; message -> bytes and JSON -> bytes are identical."""
    data, body, message = load(name)
    assert body["description"]
    assert json_format.MessageToDict(message, preserving_proto_field_name=True) == body["json"]
    assert message.SerializeToString(deterministic=True) == data
    rebuilt = json_format.ParseDict(body["json"], type(message)())
    assert rebuilt.SerializeToString(deterministic=True) == data


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith("tensor_")])
def test_tensor_vectors_decode(name: str) -> None:
    """rlay.tensors decodes each tensor vector to its exact dtype, shape and bytes."""
    _, _, message = load(name)
    empty_but_sized = not message.data and int(np.prod(message.shape)) > 0
    if empty_but_sized or message.dtype == tensor_pb2.DTYPE_UNSPECIFIED:
        with pytest.raises(InvalidValue):
            tensors.decode_tensor(message)
        return
    array = tensors.decode_tensor(message)
    assert array.dtype == tensors.dtype_from_proto(message.dtype)
    assert array.shape == tuple(message.shape)
    assert array.astype(array.dtype.newbyteorder("<")).tobytes() == message.data


def walk(message: Message, seen: dict[str, set[Any]]) -> None:
    seen["messages"].add(message.DESCRIPTOR.full_name)
    for oneof in message.DESCRIPTOR.oneofs:
        kind = message.WhichOneof(oneof.name)
        if kind is not None:
            seen["oneofs"].add((message.DESCRIPTOR.full_name, kind))
    for field, value in message.ListFields():
        items = value if field.is_repeated else [value]
        for item in items:
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                walk(item, seen)
            elif field.type == FieldDescriptor.TYPE_ENUM:
                seen["enums"].add((field.enum_type.full_name, item))
    # Enum fields left at their default (value 0) are not listed by ListFields.
    for field in message.DESCRIPTOR.fields:
        if field.type == FieldDescriptor.TYPE_ENUM and not field.is_repeated:
            seen["enums"].add((field.enum_type.full_name, getattr(message, field.name)))


def all_messages() -> list[Descriptor]:
    found: list[Descriptor] = []
    pending = [d for module in FILES for d in module.DESCRIPTOR.message_types_by_name.values()]
    while pending:
        d = pending.pop()
        found.append(d)
        pending.extend(d.nested_types)
    return found


def test_vectors_cover_the_contract() -> None:
    """Every message type, oneof kind and enum value of rlay.v1 occurs in some vector."""
    seen: dict[str, set[Any]] = {"messages": set(), "oneofs": set(), "enums": set()}
    for name in NAMES:
        walk(load(name)[2], seen)
    messages = all_messages()
    assert {d.full_name for d in messages} - seen["messages"] == set()
    oneofs = {(d.full_name, f.name) for d in messages for o in d.oneofs for f in o.fields}
    assert oneofs - seen["oneofs"] == set()
    enums = {(e.full_name, v.number) for module in FILES
             for e in module.DESCRIPTOR.enum_types_by_name.values() for v in e.values}  # fmt: skip
    assert enums - seen["enums"] == set()
