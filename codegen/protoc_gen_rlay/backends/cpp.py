"""C++ backend: one dependency-free header and source per .proto file.

The generated code uses only the standard library and the hand-written wire
runtime (``RlayWire.h`` in cpp-unreal/Source/RlayCore): no exceptions, no RTTI,
valid C++17 and C++20, so Unreal's build tool and plain CMake compile it alike.

Shape of the output, for ``message Tensor { Dtype dtype = 1; ... }``::

    class RLAYCORE_API Tensor {
    public:
        Dtype dtype = Dtype::Unspecified;       // scalars, strings, bytes, repeated: members
        std::vector<int64_t> shape;
        rlay::Bytes data;
        size_t ByteSize() const;                // computes and caches sizes for WriteTo
        void WriteTo(rlay::ProtoWriter& Writer) const;
        bool MergeFrom(rlay::ProtoReader& Reader);      // false on malformed input
        bool ParseFromArray(const void* Data, size_t Size);
        rlay::Bytes SerializeAsBytes() const;
        void AppendJson(std::string& Out) const;        // proto3 JSON, field names as declared
    };

Message fields are boxed (``has_x()``, ``x()``, ``mutable_x()``, ``clear_x()``), oneof
members are reached through accessors (``kind_case()``, ``set_x()``...). Encoding
matches the official protobuf encoders byte for byte: fields in number order,
packed repeated numerics, proto3 defaults omitted, oneof members written even
when they hold a default value.
"""

from __future__ import annotations

from protoc_gen_rlay.backends.cpp_names import (
    FIXED_SIZES,
    HEADER,
    RESERVED,
    CppTypes,
    case_enum,
    doc,
    ident,
    namespace,
    output_base,
)
from protoc_gen_rlay.backends.cpp_source import source
from protoc_gen_rlay.backends.csharp import enum_member_names, pascal_case
from protoc_gen_rlay.model import File, Message, Model, UnsupportedFeature


def generate(model: Model, options: dict[str, str]) -> list[tuple[str, str]]:
    """Return ``<Base>.g.h`` and ``<Base>.g.cpp`` per file of the model."""
    if options:
        raise UnsupportedFeature(f"cpp: unknown options {sorted(options)}")
    types = CppTypes(model)
    by_name = {f.name: f for f in model.files}
    out: list[tuple[str, str]] = []
    for proto in model.files:
        for message in proto.messages:
            _check_names(message)
        base = output_base(proto)
        deps = [output_base(by_name[d]) for d in proto.dependencies if d in by_name]
        out.append((f"{base}.g.h", _header(proto, deps, types)))
        out.append((f"{base}.g.cpp", source(proto, base, types)))
    return out


def _check_names(message: Message) -> None:
    seen: dict[str, str] = {}
    owners: list[tuple[str, set[str]]] = [
        (f"oneof {o.name}", {f"{o.name}_case", f"clear_{o.name}"})
        for o in message.oneofs
    ]
    for field in message.fields:
        name = ident(field.name)
        generated = {name}
        if field.kind == "message" or field.oneof:
            generated |= {
                f"has_{name}",
                f"mutable_{name}",
                f"clear_{name}",
                f"set_{name}",
            }
        owners.append((field.name, generated))
    for owner, names in owners:
        for item in names:
            if item in RESERVED or (item in seen and seen[item] != owner):
                raise UnsupportedFeature(
                    f"{message.full_name}.{owner}: C++ member {item} collides"
                )
            seen[item] = owner


def _header(proto: File, deps: list[str], types: CppTypes) -> str:
    lines = [HEADER.format(source=proto.name), "#pragma once", ""]
    lines += [
        "#include <cstddef>",
        "#include <cstdint>",
        "#include <string>",
        "#include <vector>",
    ]
    lines += ["", '#include "RlayWire.h"']
    lines += [f'#include "{dep}.g.h"' for dep in deps]
    ns = namespace(proto.package)
    lines += ["", f"namespace {ns} {{", ""]
    for enum in proto.enums:
        lines += doc(enum.doc, "")
        lines.append(f"enum class {enum.name} : int32_t {{")
        for value, member in zip(enum.values, enum_member_names(enum), strict=True):
            lines += doc(value.doc, "    ")
            lines.append(f"    {member} = {value.number},")
        lines += ["};", ""]
        lines.append(
            "/// The value's name in the .proto file, or nullptr for a number it does not name."
        )
        lines += [f"RLAYCORE_API const char* EnumName({enum.name} Code);", ""]
    for message in proto.messages:
        lines.append(f"class {message.name};")
    lines.append("")
    for message in proto.messages:
        lines += _class(message, types)
        lines.append("")
    lines += [f"}}  // namespace {ns}", ""]
    return "\n".join(lines)


def _class(m: Message, types: CppTypes) -> list[str]:
    lines = doc(m.doc, "")
    lines += [f"class RLAYCORE_API {m.name} {{", "public:"]
    for oneof in m.oneofs:
        lines.append(f"    enum class {case_enum(oneof.name)} : uint32_t {{")
        lines.append("        NotSet = 0,")
        for field in oneof.fields:
            lines.append(f"        {pascal_case(field.name)} = {field.number},")
        lines += ["    };", ""]
    lines += [
        f"    {m.name}();",
        f"    ~{m.name}();",
        f"    {m.name}(const {m.name}& Other);",
        f"    {m.name}({m.name}&& Other) noexcept;",
        f"    {m.name}& operator=(const {m.name}& Other);",
        f"    {m.name}& operator=({m.name}&& Other) noexcept;",
        "",
    ]
    for field in m.fields:
        name = ident(field.name)
        lines += doc(field.doc, "    ")
        if field.oneof:
            case = f"{case_enum(field.oneof)}::{pascal_case(field.name)}"
            lines.append(
                f"    bool has_{name}() const {{ return {field.oneof}_case_ == {case}; }}"
            )
            element = types.element(field)
            if field.kind == "message":
                lines += [
                    f"    const {element}& {name}() const;",
                    f"    {element}* mutable_{name}();",
                ]
            elif field.kind in ("string", "bytes"):
                lines += [
                    f"    const {element}& {name}() const;",
                    f"    {element}* mutable_{name}();",
                    f"    void set_{name}({element} NewValue);",
                ]
            else:
                lines += [
                    f"    {element} {name}() const;",
                    f"    void set_{name}({element} NewValue);",
                ]
        elif field.kind == "message" and not field.repeated:
            element = types.element(field)
            lines += [
                f"    bool has_{name}() const {{ return {name}_.Has(); }}",
                f"    const {element}& {name}() const;",
                f"    {element}* mutable_{name}();",
                f"    void clear_{name}() {{ {name}_.Reset(); }}",
            ]
        else:
            default = "" if field.repeated else types.default(field)
            init = f" = {default}" if default else ""
            lines.append(f"    {types.member(field)} {name}{init};")
    for oneof in m.oneofs:
        lines += [
            "",
            (
                f"    {case_enum(oneof.name)} {oneof.name}_case() const "
                f"{{ return {oneof.name}_case_; }}"
            ),
            f"    void clear_{oneof.name}();",
        ]
    lines += [
        "",
        "    /// An empty instance (what an unset message field reads as).",
        f"    static const {m.name}& default_instance();",
        "    /// Encoded size in bytes; also caches the sizes WriteTo needs.",
        "    size_t ByteSize() const;",
        "    size_t CachedSize() const { return CachedSize_; }",
        "    /// Writes the fields with the sizes cached by the last ByteSize().",
        "    void WriteTo(rlay::ProtoWriter& Writer) const;",
        "    /// Reads fields up to the reader's limit (unknown ones skipped); false when malformed.",
        "    bool MergeFrom(rlay::ProtoReader& Reader);",
        "    bool ParseFromArray(const void* Data, size_t Size);",
        "    /// Replaces Out with the encoded message.",
        "    void SerializeTo(rlay::Bytes& Out) const;",
        "    rlay::Bytes SerializeAsBytes() const;",
        "    /// Appends the message as proto3 JSON (field names as in the .proto file).",
        "    void AppendJson(std::string& Out) const;",
        "    std::string ToJson() const;",
        "    void Clear();",
        "",
        "private:",
    ]
    for oneof in m.oneofs:
        lines.append(
            f"    {case_enum(oneof.name)} {oneof.name}_case_ = {case_enum(oneof.name)}::NotSet;"
        )
    for field in m.fields:
        name = ident(field.name)
        if field.kind == "message" and not field.repeated:
            lines.append(f"    rlay::Boxed<{types.element(field)}> {name}_;")
        elif field.oneof:
            default = types.default(field)
            init = f" = {default}" if default else ""
            lines.append(f"    {types.element(field)} {name}_{init};")
        if field.repeated and field.packed and field.kind not in FIXED_SIZES:
            lines.append(f"    mutable size_t {name}PackedSize_ = 0;")
    lines += ["    mutable size_t CachedSize_ = 0;", "};"]
    return lines
