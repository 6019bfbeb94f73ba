"""The C++ backend's source files: one ``<Base>.g.cpp`` per .proto file.

Every message gets its special members, accessors, ``ByteSize`` (which caches the sizes
``WriteTo`` uses), ``WriteTo``, ``MergeFrom``, ``AppendJson`` and the convenience
wrappers; enums get ``EnumName``. See ``cpp.py`` for the shape of the classes.
"""

from __future__ import annotations

from protoc_gen_rlay.backends.cpp_names import (
    CODEC,
    FIXED_SIZES,
    HEADER,
    CppTypes,
    case_enum,
    ident,
    namespace,
    tag,
    varint_size,
)
from protoc_gen_rlay.backends.csharp import enum_member_names, pascal_case
from protoc_gen_rlay.model import WIRE_LEN, Field, File, Message


def source(proto: File, base: str, types: CppTypes) -> str:
    lines = [HEADER.format(source=proto.name), f'#include "{base}.g.h"', ""]
    lines += ["#include <utility>", ""]
    ns = namespace(proto.package)
    lines += [f"namespace {ns} {{", ""]
    for enum in proto.enums:
        lines += [f"const char* EnumName({enum.name} Code)", "{"]
        lines.append("    switch (Code) {")
        for value, member in zip(enum.values, enum_member_names(enum), strict=True):
            lines.append(f'        case {enum.name}::{member}: return "{value.name}";')
        lines += ["    }", "    return nullptr;", "}", ""]
    for message in proto.messages:
        lines += _MessageSource(message, types).render()
    lines += [f"}}  // namespace {ns}", ""]
    return "\n".join(lines)


class _MessageSource:
    def __init__(self, message: Message, types: CppTypes) -> None:
        self.m = message
        self.types = types
        self.lines: list[str] = []

    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    def render(self) -> list[str]:
        n = self.m.name
        self.emit(
            f"{n}::{n}() = default;",
            f"{n}::~{n}() = default;",
            f"{n}::{n}(const {n}& Other) = default;",
            f"{n}::{n}({n}&& Other) noexcept = default;",
            f"{n}& {n}::operator=(const {n}& Other) = default;",
            f"{n}& {n}::operator=({n}&& Other) noexcept = default;",
            "",
            f"const {n}& {n}::default_instance()",
            "{",
            f"    static const {n} Instance;",
            "    return Instance;",
            "}",
            "",
        )
        self._accessors()
        self._byte_size()
        self._write()
        self._merge()
        self._json()
        self.emit(
            f"bool {n}::ParseFromArray(const void* Data, size_t Size)",
            "{",
            "    Clear();",
            "    rlay::ProtoReader Reader(static_cast<const uint8_t*>(Data), Size);",
            "    return MergeFrom(Reader);",
            "}",
            "",
            f"void {n}::SerializeTo(rlay::Bytes& Out) const",
            "{",
            "    Out.resize(ByteSize());",
            "    rlay::ProtoWriter Writer(Out.data());",
            "    WriteTo(Writer);",
            "}",
            "",
            f"rlay::Bytes {n}::SerializeAsBytes() const",
            "{",
            "    rlay::Bytes Out;",
            "    SerializeTo(Out);",
            "    return Out;",
            "}",
            "",
            f"std::string {n}::ToJson() const",
            "{",
            "    std::string Out;",
            "    AppendJson(Out);",
            "    return Out;",
            "}",
            "",
            f"void {n}::Clear()",
            "{",
            f"    *this = {n}();",
            "}",
            "",
        )
        return self.lines

    # -- accessors ---------------------------------------------------------------

    def _accessors(self) -> None:
        n = self.m.name
        for field in self.m.fields:
            name = ident(field.name)
            element = self.types.element(field)
            if field.oneof:
                case = f"{case_enum(field.oneof)}::{pascal_case(field.name)}"
                set_case = (
                    f"    if ({field.oneof}_case_ != {case}) {{ clear_{field.oneof}(); "
                    f"{field.oneof}_case_ = {case}; }}"
                )
                if field.kind == "message":
                    self.emit(
                        f"const {element}& {n}::{name}() const",
                        "{",
                        f"    return has_{name}() && {name}_.Has() ? *{name}_.Get() "
                        f": {element}::default_instance();",
                        "}",
                        "",
                        f"{element}* {n}::mutable_{name}()",
                        "{",
                        set_case,
                        f"    return {name}_.Mutable();",
                        "}",
                        "",
                    )
                    continue
                if field.kind in ("string", "bytes"):
                    self.emit(
                        f"const {element}& {n}::{name}() const",
                        "{",
                        f"    static const {element} Empty;",
                        f"    return has_{name}() ? {name}_ : Empty;",
                        "}",
                        "",
                        f"{element}* {n}::mutable_{name}()",
                        "{",
                        set_case,
                        f"    return &{name}_;",
                        "}",
                        "",
                        f"void {n}::set_{name}({element} NewValue)",
                        "{",
                        set_case,
                        f"    {name}_ = std::move(NewValue);",
                        "}",
                        "",
                    )
                    continue
                self.emit(
                    f"{element} {n}::{name}() const",
                    "{",
                    f"    return has_{name}() ? {name}_ : {self.types.default(field)};",
                    "}",
                    "",
                    f"void {n}::set_{name}({element} NewValue)",
                    "{",
                    set_case,
                    f"    {name}_ = NewValue;",
                    "}",
                    "",
                )
            elif field.kind == "message" and not field.repeated:
                self.emit(
                    f"const {element}& {n}::{name}() const",
                    "{",
                    f"    return {name}_.Has() ? *{name}_.Get() : {element}::default_instance();",
                    "}",
                    "",
                    f"{element}* {n}::mutable_{name}()",
                    "{",
                    f"    return {name}_.Mutable();",
                    "}",
                    "",
                )
        for oneof in self.m.oneofs:
            self.emit(f"void {n}::clear_{oneof.name}()", "{")
            self.emit(f"    switch ({oneof.name}_case_) {{")
            for field in oneof.fields:
                name = ident(field.name)
                self.emit(
                    f"        case {case_enum(oneof.name)}::{pascal_case(field.name)}:"
                )
                if field.kind == "message":
                    self.emit(f"            {name}_.Reset();")
                elif field.kind in ("string", "bytes"):
                    self.emit(f"            {name}_.clear();")
                else:
                    self.emit(f"            {name}_ = {self.types.default(field)};")
                self.emit("            break;")
            self.emit(
                f"        case {case_enum(oneof.name)}::NotSet:",
                "            break;",
                "    }",
                f"    {oneof.name}_case_ = {case_enum(oneof.name)}::NotSet;",
                "}",
                "",
            )

    # -- encoding ------------------------------------------------------------------

    def _value(self, field: Field) -> str:
        """Expression of a singular field's value."""
        name = ident(field.name)
        if field.kind == "message":
            return f"{name}()"
        return f"{name}_" if field.oneof else name

    def _present(self, field: Field) -> str:
        name = ident(field.name)
        if field.oneof:
            return f"has_{name}()"
        return {
            "bool": name,
            "int64": f"{name} != 0",
            "uint32": f"{name} != 0",
            "uint64": f"{name} != 0",
            "double": f"rlay::HasBits({name})",
            "string": f"!{name}.empty()",
            "bytes": f"!{name}.empty()",
            "enum": f"static_cast<int32_t>({name}) != 0",
            "message": f"{name}_.Has()",
        }[field.kind]

    @staticmethod
    def _element_size(field: Field, value: str) -> str:
        writer = "rlay::ProtoWriter"
        if field.kind in FIXED_SIZES:
            return str(FIXED_SIZES[field.kind])
        if field.kind == "enum":
            return f"{writer}::SizeOfEnum(static_cast<int32_t>({value}))"
        if field.kind == "message":
            return f"{writer}::SizeOfLengthDelimited({value}.ByteSize())"
        if field.kind in ("string", "bytes"):
            return f"{writer}::SizeOfLengthDelimited({value}.size())"
        return f"{writer}::SizeOf{CODEC[field.kind]}({value})"

    def _byte_size(self) -> None:
        self.emit(
            f"size_t {self.m.name}::ByteSize() const", "{", "    size_t Size = 0;"
        )
        for field in self.m.fields:
            name = ident(field.name)
            tag_size = varint_size(tag(field.number, field.wire_type))
            if field.repeated and field.packed:
                packed_tag = varint_size(tag(field.number, WIRE_LEN))
                self.emit(f"    if (!{name}.empty()) {{")
                if field.kind in FIXED_SIZES:
                    self.emit(
                        f"        size_t Data = {name}.size() * {FIXED_SIZES[field.kind]};"
                    )
                else:
                    self.emit(
                        "        size_t Data = 0;",
                        f"        for (const auto& Item : {name}) "
                        f"Data += {self._element_size(field, 'Item')};",
                        f"        {name}PackedSize_ = Data;",
                    )
                self.emit(
                    f"        Size += {packed_tag} + rlay::ProtoWriter::SizeOfLengthDelimited(Data);",
                    "    }",
                )
            elif field.repeated and field.kind in FIXED_SIZES:
                each = tag_size + FIXED_SIZES[field.kind]
                self.emit(f"    Size += {name}.size() * {each};")
            elif field.repeated:
                self.emit(
                    f"    for (const auto& Item : {name}) "
                    f"Size += {tag_size} + {self._element_size(field, 'Item')};"
                )
            else:
                size = self._element_size(field, self._value(field))
                self.emit(
                    f"    if ({self._present(field)}) Size += {tag_size} + {size};"
                )
        self.emit("    CachedSize_ = Size;", "    return Size;", "}", "")

    def _write_element(self, field: Field, value: str, indent: str) -> list[str]:
        if field.kind == "message":
            return [
                f"{indent}Writer.WriteLength({value}.CachedSize());",
                f"{indent}{value}.WriteTo(Writer);",
            ]
        if field.kind == "enum":
            return [f"{indent}Writer.WriteEnum(static_cast<int32_t>({value}));"]
        if field.kind == "string":
            return [f"{indent}Writer.WriteString({value});"]
        if field.kind == "bytes":
            return [f"{indent}Writer.WriteBytes({value});"]
        return [f"{indent}Writer.Write{CODEC[field.kind]}({value});"]

    def _write(self) -> None:
        self.emit(f"void {self.m.name}::WriteTo(rlay::ProtoWriter& Writer) const", "{")
        if not self.m.fields:
            self.emit("    (void)Writer;")
        for field in self.m.fields:
            name = ident(field.name)
            if field.repeated and field.packed:
                packed = (
                    f"{name}.size() * {FIXED_SIZES[field.kind]}"
                    if field.kind in FIXED_SIZES
                    else f"{name}PackedSize_"
                )
                self.emit(
                    f"    if (!{name}.empty()) {{",
                    f"        Writer.WriteTag({tag(field.number, WIRE_LEN)});",
                    f"        Writer.WriteLength({packed});",
                    f"        for (const auto& Item : {name}) {{",
                    *self._write_element(field, "Item", "            "),
                    "        }",
                    "    }",
                )
            elif field.repeated:
                self.emit(
                    f"    for (const auto& Item : {name}) {{",
                    f"        Writer.WriteTag({tag(field.number, field.wire_type)});",
                    *self._write_element(field, "Item", "        "),
                    "    }",
                )
            else:
                self.emit(
                    f"    if ({self._present(field)}) {{",
                    f"        Writer.WriteTag({tag(field.number, field.wire_type)});",
                    *self._write_element(field, self._value(field), "        "),
                    "    }",
                )
        self.emit("}", "")

    # -- decoding ------------------------------------------------------------------

    def _read(self, field: Field) -> str:
        if field.kind == "enum":
            return f"static_cast<{self.types.element(field)}>(Reader.ReadEnum())"
        return f"Reader.Read{CODEC[field.kind]}()"

    def _merge(self) -> None:
        self.emit(
            f"bool {self.m.name}::MergeFrom(rlay::ProtoReader& Reader)",
            "{",
            "    if (!Reader.Enter()) return false;",
            "    for (uint32_t Tag = Reader.ReadTag(); Tag != 0; Tag = Reader.ReadTag()) {",
            "        switch (Tag) {",
        )
        for field in self.m.fields:
            self._merge_field(field)
        self.emit(
            "            default:",
            "                Reader.SkipField(Tag);",
            "                break;",
            "        }",
            "    }",
            "    Reader.Leave();",
            "    return Reader.Ok();",
            "}",
            "",
        )

    def _merge_field(self, field: Field) -> None:
        name = ident(field.name)
        ind = "                "
        case = f"            case {tag(field.number, field.wire_type)}:"
        if field.repeated and field.is_numeric:
            # Parsers accept packed and unpacked encodings alike.
            self.emit(
                case,
                f"{ind}{name}.push_back({self._read(field)});",
                f"{ind}break;",
                f"            case {tag(field.number, WIRE_LEN)}: {{",
                f"{ind}const uint8_t* Outer = Reader.PushLimit(Reader.ReadLength());",
                f"{ind}while (!Reader.AtLimit()) {name}.push_back({self._read(field)});",
                f"{ind}Reader.PopLimit(Outer);",
                f"{ind}break;",
                "            }",
            )
            return
        if field.kind == "message":
            target = f"{name}.back()" if field.repeated else f"(*mutable_{name}())"
            self.emit(
                case[:-1] + ": {",
                f"{ind}const uint8_t* Outer = Reader.PushLimit(Reader.ReadLength());",
            )
            if field.repeated:
                self.emit(f"{ind}{name}.emplace_back();")
            self.emit(
                f"{ind}{target}.MergeFrom(Reader);",
                f"{ind}Reader.PopLimit(Outer);",
                f"{ind}break;",
                "            }",
            )
            return
        if field.kind in ("string", "bytes"):
            reader = "ReadString" if field.kind == "string" else "ReadBytes"
            if field.repeated:
                self.emit(
                    case,
                    f"{ind}{name}.emplace_back();",
                    f"{ind}Reader.{reader}({name}.back());",
                    f"{ind}break;",
                )
            elif field.oneof:
                self.emit(
                    case, f"{ind}Reader.{reader}(*mutable_{name}());", f"{ind}break;"
                )
            else:
                self.emit(case, f"{ind}Reader.{reader}({name});", f"{ind}break;")
            return
        if field.oneof:
            self.emit(case, f"{ind}set_{name}({self._read(field)});", f"{ind}break;")
        else:
            self.emit(case, f"{ind}{name} = {self._read(field)};", f"{ind}break;")

    # -- JSON ------------------------------------------------------------------------

    def _json_value(self, field: Field, value: str, indent: str) -> list[str]:
        kind = field.kind
        if kind == "message":
            return [f"{indent}{value}.AppendJson(Out);"]
        if kind == "enum":
            return [
                (
                    f"{indent}if (const char* Name = EnumName({value})) "
                    "rlay::json::AppendString(Out, Name, std::char_traits<char>::length(Name));"
                ),
                f"{indent}else Out += std::to_string(static_cast<int32_t>({value}));",
            ]
        if kind == "bool":
            return [f'{indent}Out += {value} ? "true" : "false";']
        call = {
            "int64": "AppendInt64",
            "uint32": "AppendUInt32",
            "uint64": "AppendUInt64",
            "double": "AppendDouble",
            "string": "AppendString",
            "bytes": "AppendBase64",
        }[kind]
        return [f"{indent}rlay::json::{call}(Out, {value});"]

    def _json(self) -> None:
        self.emit(
            f"void {self.m.name}::AppendJson(std::string& Out) const",
            "{",
            "    Out += '{';",
        )
        if self.m.fields:
            self.emit("    bool bFirst = true;")
        for field in self.m.fields:
            name = ident(field.name)
            key = f'rlay::json::AppendKey(Out, bFirst, "{field.name}");'
            if field.repeated:
                self.emit(
                    f"    if (!{name}.empty()) {{",
                    f"        {key}",
                    "        Out += '[';",
                    "        bool bFirstItem = true;",
                    f"        for (const auto& Item : {name}) {{",
                    "            if (!bFirstItem) Out += ',';",
                    "            bFirstItem = false;",
                    *self._json_value(field, "Item", "            "),
                    "        }",
                    "        Out += ']';",
                    "    }",
                )
            else:
                self.emit(
                    f"    if ({self._present(field)}) {{",
                    f"        {key}",
                    *self._json_value(field, self._value(field), "        "),
                    "    }",
                )
        self.emit("    Out += '}';", "}", "")
