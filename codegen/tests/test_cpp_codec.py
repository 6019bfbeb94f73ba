"""The C++ backend, compiled with g++ (no exceptions, no RTTI) and checked against the
official Python protobuf runtime:

- every field shape it supports re-encodes random messages byte for byte, and decodes
  them to the same fields (its JSON parses back to the original message);
- the committed codec of the contract (cpp-unreal/Source/RlayCore/Generated) decodes
  every golden vector to the message its JSON describes and re-encodes it identically;
- malformed input is refused, never crashes.

Needs g++ (skipped without it, an error when CI=true).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.compiler import plugin_pb2
from google.protobuf.message import Message
from protoc_gen_rlay.plugin import run
from test_csharp_roundtrip import fill, shapes_file

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "cpp-unreal" / "Source" / "RlayCore"
VECTORS = ROOT / "conformance" / "vectors"
FLAGS = ["-std=c++17", "-O1", "-fno-exceptions", "-fno-rtti"]
FLAGS += ["-Wall", "-Wextra", "-Wshadow", "-Wundef", "-Werror"]

# Reads records `<u32 type index><u32 length><bytes>` from argv[1]; writes, per record,
# `<u8 ok><u32 length><re-encoded bytes><u32 length><JSON>` to argv[2].
PROGRAM = """
#include <cstdio>
#include <string>
#include <vector>
{includes}

namespace {{
template <typename T>
void Handle(const std::vector<uint8_t>& In, std::string& Out)
{{
    T Message;
    bool bOk = Message.ParseFromArray(In.data(), In.size());
    rlay::Bytes Again = Message.SerializeAsBytes();
    std::string Json = Message.ToJson();
    Out += static_cast<char>(bOk ? 1 : 0);
    uint32_t N = static_cast<uint32_t>(Again.size());
    Out.append(reinterpret_cast<const char*>(&N), 4);
    Out.append(Again.begin(), Again.end());
    N = static_cast<uint32_t>(Json.size());
    Out.append(reinterpret_cast<const char*>(&N), 4);
    Out += Json;
}}
}}  // namespace

int main(int Argc, char** Argv)
{{
    if (Argc != 3) return 2;
    std::FILE* In = std::fopen(Argv[1], "rb");
    if (In == nullptr) return 2;
    std::string Out;
    uint32_t Header[2];
    while (std::fread(Header, 4, 2, In) == 2) {{
        std::vector<uint8_t> Data(Header[1]);
        if (Header[1] != 0 && std::fread(Data.data(), 1, Header[1], In) != Header[1]) return 2;
        switch (Header[0]) {{
{dispatch}
            default: return 2;
        }}
    }}
    std::fclose(In);
    std::FILE* Result = std::fopen(Argv[2], "wb");
    if (Result == nullptr) return 2;
    std::fwrite(Out.data(), 1, Out.size(), Result);
    std::fclose(Result);
    return 0;
}}
"""


def require_gxx() -> str:
    gxx = shutil.which("g++")
    if gxx is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("g++ is missing with CI=true")
        pytest.skip("g++ is missing")
    return gxx


def build(
    out: Path, includes: list[str], types: list[str], sources: list[Path]
) -> Path:
    dispatch = "\n".join(
        f"            case {i}: Handle<{t}>(Data, Out); break;"
        for i, t in enumerate(types)
    )
    main = out / "main.cpp"
    main.write_text(
        PROGRAM.format(
            includes="\n".join(f'#include "{name}"' for name in includes),
            dispatch=dispatch,
        )
    )
    exe = out / "codec"
    command = [require_gxx(), *FLAGS, f"-I{CORE / 'Public'}", f"-I{CORE / 'Generated'}"]
    command += [
        f"-I{out}",
        "-o",
        str(exe),
        str(main),
        str(CORE / "Private" / "RlayWire.cpp"),
    ]
    command += [str(s) for s in sources]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return exe


def run_codec(
    exe: Path, tmp: Path, records: list[tuple[int, bytes]]
) -> list[tuple[bool, bytes, str]]:
    (tmp / "in.bin").write_bytes(
        b"".join(struct.pack("<II", kind, len(data)) + data for kind, data in records)
    )
    subprocess.run(
        [str(exe), str(tmp / "in.bin"), str(tmp / "out.bin")], check=True, timeout=60
    )
    data = (tmp / "out.bin").read_bytes()
    results = []
    at = 0
    while at < len(data):
        ok = data[at] == 1
        (n,) = struct.unpack_from("<I", data, at + 1)
        encoded = data[at + 5 : at + 5 + n]
        at += 5 + n
        (n,) = struct.unpack_from("<I", data, at)
        text = data[at + 4 : at + 4 + n].decode("utf-8")
        at += 4 + n
        results.append((ok, encoded, text))
    assert len(results) == len(records)
    return results


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_gxx()
    out = tmp_path_factory.mktemp("shapes")
    request = plugin_pb2.CodeGeneratorRequest(parameter="lang=cpp")
    request.proto_file.append(shapes_file())
    request.file_to_generate.append("t/shapes.proto")
    response = run(request)
    assert not response.error, response.error
    for generated in response.file:
        (out / generated.name).write_text(generated.content)
    sources = [out / f.name for f in response.file if f.name.endswith(".cpp")]
    return build(out, ["TShapes.g.h"], ["::t::shapes::Everything"], sources)


def test_every_field_shape_matches_the_official_runtime(
    shapes: Path, tmp_path: Path
) -> None:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(shapes_file())
    cls = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("t.shapes.Everything")
    )
    rng = random.Random(11)
    messages: list[Message] = []
    covered: set[str] = set()
    for _ in range(200):
        msg = cls()
        fill(rng, msg)
        covered.update(field.name for field, _ in msg.ListFields())
        messages.append(msg)
    assert covered == {f.name for f in cls.DESCRIPTOR.fields}, (
        "every field is exercised"
    )
    # The unpacked encoding of a packed field parses too (and comes back packed).
    unpacked = b"".join(bytes([(2 << 3) | 0, n]) for n in (3, 4))
    records = [(0, m.SerializeToString()) for m in messages] + [(0, unpacked)]
    results = run_codec(shapes, tmp_path, records)
    for i, (msg, (ok, encoded, text)) in enumerate(
        zip(messages, results, strict=False)
    ):
        assert ok, f"message {i} did not parse"
        assert encoded == msg.SerializeToString(), f"message {i}: {msg}"
        decoded = json_format.Parse(text, cls()).SerializeToString()
        assert decoded == msg.SerializeToString(), f"message {i} decoded as {text}"
    ok, encoded, _ = results[-1]
    assert ok and encoded == cls.FromString(unpacked).SerializeToString()


def vector_files() -> list[Path]:
    files = sorted(VECTORS.glob("*.binpb"))
    assert files, "golden vectors exist"
    return files


def message_class(full_name: str) -> type[Message]:
    from rlay.v1 import service_pb2  # noqa: F401  (registers every rlay.v1 file)

    descriptor = descriptor_pool.Default().FindMessageTypeByName(full_name)
    return message_factory.GetMessageClass(descriptor)


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    require_gxx()
    names = sorted(
        {
            json.loads(p.with_suffix(".json").read_text())["message"]
            for p in vector_files()
        }
    )
    headers = sorted(p.name for p in (CORE / "Generated").glob("*.g.h"))
    sources = sorted((CORE / "Generated").glob("*.g.cpp"))
    types = ["::" + name.replace(".", "::") for name in names]
    exe = build(tmp_path_factory.mktemp("contract"), headers, types, sources)
    return exe, names


def test_every_golden_vector_decodes_to_its_json_and_reencodes(
    contract: tuple[Path, list[str]], tmp_path: Path
) -> None:
    exe, names = contract
    files = vector_files()
    docs = [json.loads(p.with_suffix(".json").read_text()) for p in files]
    records = [
        (names.index(doc["message"]), p.read_bytes())
        for p, doc in zip(files, docs, strict=True)
    ]
    results = run_codec(exe, tmp_path, records)
    for path, doc, (ok, encoded, text) in zip(files, docs, results, strict=True):
        cls = message_class(doc["message"])
        expected = json_format.ParseDict(doc["json"], cls())
        assert ok, path.name
        decoded = json_format.Parse(text, cls()).SerializeToString()
        assert decoded == expected.SerializeToString(), f"{path.name} decoded as {text}"
        assert encoded == path.read_bytes(), path.name


def test_malformed_input_is_refused(
    contract: tuple[Path, list[str]], tmp_path: Path
) -> None:
    exe, names = contract
    request = names.index("rlay.v1.SessionRequest")
    valid = (VECTORS / "request_call.binpb").read_bytes()
    bad = [
        valid[:-1],  # truncated
        b"\x0a\xff\xff\xff\xff\x0f",  # a length past the end
        b"\x00",  # field number 0
        b"\x0b",  # a group (wire type 3)
        b"\x08" + b"\xff" * 10 + b"\x01",  # an 11-byte varint
        b"\x2a\x02\x0a\x01" + b"\xff",  # truncated nested message
        b"\x2a\x03\x0a\x01\xc3",  # CallRequest.name that is not UTF-8
        b"\x12\x00" + b"\x12" * 3,  # truncated tag run
    ]
    results = run_codec(exe, tmp_path, [(request, data) for data in bad])
    assert [ok for ok, _, _ in results] == [False] * len(bad)
    # Nesting past the depth limit is refused instead of recursing without bound.
    value = names.index("rlay.v1.Value")
    deep = b""
    for _ in range(150):
        items = b"\x0a" + encode_varint(len(deep)) + deep  # ValueList.items
        deep = b"\x3a" + encode_varint(len(items)) + items  # Value.list_value
    ((ok, _, _),) = run_codec(exe, tmp_path, [(value, deep)])
    assert not ok


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
