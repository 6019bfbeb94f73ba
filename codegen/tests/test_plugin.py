"""protoc-gen-rlay: model building, refusals, deterministic output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from protoc_gen_rlay.backends import csharp
from protoc_gen_rlay.model import build_model
from protoc_gen_rlay.plugin import run

ROOT = Path(__file__).resolve().parents[2]
FieldProto = descriptor_pb2.FieldDescriptorProto


def contract_request(lang: str = "csharp") -> plugin_pb2.CodeGeneratorRequest:
    """The real contract as protoc hands it to the plugin."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-Iproto",
            "--include_source_info",
            "--descriptor_set_out=/dev/stdout",
            *sorted(
                str(p.relative_to(ROOT))
                for p in (ROOT / "proto/rlay/v1").glob("*.proto")
            ),
        ],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    files = descriptor_pb2.FileDescriptorSet.FromString(out).file
    request = plugin_pb2.CodeGeneratorRequest(parameter=f"lang={lang}")
    request.proto_file.extend(files)
    request.file_to_generate.extend(f.name for f in files)
    return request


def tiny_file(**fields: FieldProto) -> descriptor_pb2.FileDescriptorProto:
    """A proto3 file with one message ``M`` holding the given fields."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="t.proto", package="t", syntax="proto3"
    )
    message = proto.message_type.add(name="M")
    for number, (name, field) in enumerate(fields.items(), start=1):
        field.name = name
        field.number = number
        if not field.HasField("label"):
            field.label = FieldProto.LABEL_OPTIONAL
        message.field.append(field)
    return proto


def generate_one(
    proto: descriptor_pb2.FileDescriptorProto,
) -> plugin_pb2.CodeGeneratorResponse:
    request = plugin_pb2.CodeGeneratorRequest(parameter="lang=csharp")
    request.proto_file.append(proto)
    request.file_to_generate.append(proto.name)
    return run(request)


def test_model_of_the_contract() -> None:
    request = contract_request()
    model = build_model(request.proto_file, request.file_to_generate)
    tensor = model.message("rlay.v1.Tensor")
    assert [
        (f.name, f.number, f.kind, f.repeated, f.packed) for f in tensor.fields
    ] == [
        ("dtype", 1, "enum", False, False),
        ("shape", 2, "int64", True, True),
        ("data", 3, "bytes", False, False),
    ]
    assert tensor.fields[0].type_name == "rlay.v1.Dtype"
    value = model.message("rlay.v1.Value")
    assert [o.name for o in value.oneofs] == ["kind"]
    assert len(value.oneofs[0].fields) == 11
    response = model.message("rlay.v1.SessionResponse")
    # Written in number order: error (15) comes last.
    assert [f.number for f in response.fields] == [1, 2, 3, 4, 5, 6, 15]
    seed = model.message("rlay.v1.Seed")
    assert seed.fields[0].kind == "uint64" and seed.fields[0].oneof == "choice"
    assert (
        model.enum("rlay.v1.ErrorCode").values[3].name == "ERROR_CODE_VERSION_MISMATCH"
    )
    kinds = {f.kind for m in model.messages.values() for f in m.fields}
    assert kinds == {
        "bool",
        "int64",
        "uint32",
        "uint64",
        "double",
        "string",
        "bytes",
        "enum",
        "message",
    }


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            FieldProto(type=FieldProto.TYPE_FLOAT),
            "t.proto:M.x: scalar type float is not supported",
        ),
        (FieldProto(type=FieldProto.TYPE_SINT64), "t.proto:M.x: scalar type sint64"),
        (FieldProto(type=FieldProto.TYPE_INT32), "t.proto:M.x: scalar type int32"),
        (
            FieldProto(type=FieldProto.TYPE_INT64, proto3_optional=True),
            "t.proto:M.x: proto3 'optional'",
        ),
        (
            FieldProto(type=FieldProto.TYPE_GROUP, type_name=".t.M"),
            "t.proto:M.x: groups",
        ),
        (
            FieldProto(type=FieldProto.TYPE_INT64, label=FieldProto.LABEL_REQUIRED),
            "t.proto:M.x: required",
        ),
        (
            FieldProto(type=FieldProto.TYPE_MESSAGE, type_name=".t.Nope"),
            "t.proto:M.x: unknown type t.Nope",
        ),
    ],
)
def test_unsupported_fields_are_refused(field: FieldProto, message: str) -> None:
    response = generate_one(tiny_file(x=field))
    assert message in response.error
    assert not response.file


def test_map_field_is_refused_by_name() -> None:
    proto = tiny_file(
        tags=FieldProto(
            type=FieldProto.TYPE_MESSAGE,
            type_name=".t.M.TagsEntry",
            label=FieldProto.LABEL_REPEATED,
        )
    )
    entry = proto.message_type[0].nested_type.add(name="TagsEntry")
    entry.options.map_entry = True
    assert "t.proto:M.tags: map fields are not supported" in generate_one(proto).error


def test_nested_message_enum_and_proto2_are_refused() -> None:
    nested = tiny_file()
    nested.message_type[0].nested_type.add(name="Inner")
    assert "t.proto:M.Inner: nested messages" in generate_one(nested).error
    nested_enum = tiny_file()
    nested_enum.message_type[0].enum_type.add(name="E").value.add(
        name="E_ZERO", number=0
    )
    assert "t.proto:M.E: nested enums" in generate_one(nested_enum).error
    proto2 = tiny_file()
    proto2.syntax = "proto2"
    assert "t.proto: syntax 'proto2'" in generate_one(proto2).error
    extended = tiny_file()
    extended.message_type[0].extension_range.add(start=100, end=200)
    assert "t.proto:M: extensions" in generate_one(extended).error


def test_services_are_ignored_and_unknown_lang_refused() -> None:
    proto = tiny_file(x=FieldProto(type=FieldProto.TYPE_INT64))
    proto.service.add(name="S")
    assert not generate_one(proto).error
    request = plugin_pb2.CodeGeneratorRequest(parameter="lang=cobol")
    request.proto_file.append(proto)
    request.file_to_generate.append(proto.name)
    assert "unknown or missing lang='cobol'" in run(request).error


def test_member_colliding_with_class_name_gets_underscore() -> None:
    proto = tiny_file(m=FieldProto(type=FieldProto.TYPE_STRING))
    text = generate_one(proto).file[0].content
    assert "public string M_" in text


def test_reserved_member_name_is_refused() -> None:
    response = generate_one(tiny_file(write_to=FieldProto(type=FieldProto.TYPE_BOOL)))
    assert "t.M.write_to: C# member WriteTo collides" in response.error


def test_enum_prefix_is_stripped() -> None:
    assert csharp.screaming_snake("AutoresetMode") == "AUTORESET_MODE"
    request = contract_request()
    model = build_model(request.proto_file, request.file_to_generate)
    assert csharp.enum_member_names(model.enum("rlay.v1.AutoresetMode")) == [
        "Unspecified",
        "NextStep",
        "SameStep",
        "Disabled",
    ]


def test_output_is_deterministic_and_covers_every_file() -> None:
    first = run(contract_request())
    second = run(contract_request())
    assert not first.error
    assert [(f.name, f.content) for f in first.file] == [
        (f.name, f.content) for f in second.file
    ]
    assert sorted(f.name for f in first.file) == [
        "Service.g.cs",
        "Session.g.cs",
        "Space.g.cs",
        "Tensor.g.cs",
        "Value.g.cs",
    ]
    session = next(f.content for f in first.file if f.name == "Session.g.cs")
    # Packed repeated bool and the oneof member at number 15 (tag 122).
    assert "writer.WriteTag(26);" in session and "writer.WriteTag(122);" in session


def test_generate_check_passes_on_committed_output() -> None:
    result = subprocess.run(
        [sys.executable, "codegen/generate.py", "--check"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generate_check_fails_on_stale_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(ROOT / "codegen"))
    import generate

    committed = tmp_path / "Generated"
    committed.mkdir()
    monkeypatch.setattr(generate, "ROOT", ROOT)
    monkeypatch.setattr(generate, "OUTPUTS", {"csharp": str(committed)})
    generate.run_protoc("csharp", committed)
    assert generate.main(["--check"]) == 0
    tensor = committed / "Tensor.g.cs"
    tensor.write_text(tensor.read_text().replace("WriteTag(26)", "WriteTag(18)"))
    assert generate.main(["--check"]) == 1
    tensor.unlink()
    assert generate.main(["--check"]) == 1
    generate.run_protoc("csharp", committed)
    (committed / "Extra.g.cs").write_text("// left over\n")
    assert generate.main(["--check"]) == 1
