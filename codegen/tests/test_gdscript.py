"""The GDScript backend: shape of the output, names Godot reserves, determinism.

What the generated code does on the wire is tested inside a real Godot engine
(godot/tests, run by `nox -s godot`): every golden vector decoded and
re-encoded byte for byte.
"""

from __future__ import annotations

import re

import pytest
from google.protobuf import descriptor_pb2
from protoc_gen_rlay.backends import gdscript
from protoc_gen_rlay.model import UnsupportedFeature, build_model
from protoc_gen_rlay.plugin import run
from test_plugin import contract_request, tiny_file

FieldProto = descriptor_pb2.FieldDescriptorProto


def generated(proto: descriptor_pb2.FileDescriptorProto) -> str:
    model = build_model([proto], [proto.name])
    [(name, text)] = gdscript.generate(model, {})
    assert name == "rlay_v1.gd"
    return text


def contract() -> str:
    response = run(contract_request("gdscript"))
    assert not response.error, response.error
    [file] = response.file
    return file.content


def test_every_message_and_enum_of_the_contract_is_generated() -> None:
    request = contract_request("gdscript")
    text = contract()
    for proto in request.proto_file:
        for message in proto.message_type:
            assert re.search(
                rf"^class {gdscript.class_name('x.' + message.name)}:$",
                text,
                re.MULTILINE,
            )
        for enum in proto.enum_type:
            assert re.search(rf"^enum {enum.name} {{$", text, re.MULTILINE)
            for value in enum.value:
                assert f"\t{value.name} = {value.number}," in text


def test_generation_is_deterministic() -> None:
    assert contract() == contract()


def test_reserved_names_are_renamed() -> None:
    """Object.call and Godot's global Error enum would not parse as member and class names."""
    text = contract()
    assert "class RlayError:" in text
    assert "class Error:" not in text
    assert "var call_field: CallRequest = null" in text
    assert "func set_call_field(value: CallRequest) -> void:" in text


def test_field_shapes() -> None:
    proto = tiny_file(
        flag=FieldProto(type=FieldProto.TYPE_BOOL),
        count=FieldProto(type=FieldProto.TYPE_UINT32),
        ratio=FieldProto(type=FieldProto.TYPE_DOUBLE),
        ids=FieldProto(type=FieldProto.TYPE_INT64, label=FieldProto.LABEL_REPEATED),
        names=FieldProto(type=FieldProto.TYPE_STRING, label=FieldProto.LABEL_REPEATED),
        blob=FieldProto(type=FieldProto.TYPE_BYTES),
    )
    text = generated(proto)
    assert "\tvar flag: bool = false" in text
    assert "\tvar count: int = 0" in text
    assert "\tvar ratio: float = 0.0" in text
    assert "\tvar ids: PackedInt64Array = PackedInt64Array()" in text
    assert "\tvar names: PackedStringArray = PackedStringArray()" in text
    assert "\tvar blob: PackedByteArray = PackedByteArray()" in text
    # proto3 defaults are omitted; -0.0 is not a default (protobuf writes it).
    assert "\t\tif not ProtoWire.is_default_double(ratio):" in text
    # uint32 keeps its low 32 bits when parsed.
    assert "count = ProtoWire.to_uint32(r.read_varint())" in text
    # A repeated numeric is read packed (tag 34) and unpacked (tag 32).
    assert "\t\t\t\t32:\n\t\t\t\t\tids.append(r.read_varint())" in text
    assert "\t\t\t\t34:\n\t\t\t\t\tvar saved := r.push_limit()" in text


def test_oneof_members_have_a_case_and_setters() -> None:
    proto = tiny_file(
        a=FieldProto(type=FieldProto.TYPE_INT64, oneof_index=0),
        b=FieldProto(type=FieldProto.TYPE_STRING, oneof_index=0),
    )
    proto.message_type[0].oneof_decl.add(name="kind")
    text = generated(proto)
    assert "\tconst KIND_NOT_SET := 0\n\tconst KIND_A := 1\n\tconst KIND_B := 2" in text
    assert "\tvar kind_case := 0" in text
    # Written whenever it is the member, even with a default value.
    assert "\t\tif kind_case == 1:\n\t\t\tw.write_varint_field(1, a)" in text
    assert "\t\t\t\t\tb = r.read_string()\n\t\t\t\t\tkind_case = 2" in text


def test_member_collisions_are_refused() -> None:
    proto = tiny_file(
        call=FieldProto(type=FieldProto.TYPE_INT64),
        call_field=FieldProto(type=FieldProto.TYPE_INT64),
    )
    with pytest.raises(UnsupportedFeature, match="call_field collides"):
        generated(proto)


def test_unknown_options_are_refused() -> None:
    model = build_model([tiny_file()], ["t.proto"])
    with pytest.raises(UnsupportedFeature, match="unknown options"):
        gdscript.generate(model, {"style": "x"})
