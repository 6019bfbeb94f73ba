#include "RlayWire.h"

#include <cmath>
#include <cstdio>

namespace rlay {

uint32_t ProtoReader::ReadTag()
{
    if (At >= Limit) return 0;
    uint64_t Tag = ReadVarint();
    if (Problem != nullptr) return 0;
    if (Tag > 0xFFFFFFFFu || (Tag >> 3) == 0) {
        Fail("invalid field tag");
        return 0;
    }
    return static_cast<uint32_t>(Tag);
}

uint64_t ProtoReader::ReadVarint()
{
    uint64_t Result = 0;
    for (int Shift = 0; Shift < 64; Shift += 7) {
        if (At >= Limit) {
            Fail("truncated varint");
            return 0;
        }
        uint8_t Byte = *At++;
        Result |= static_cast<uint64_t>(Byte & 0x7F) << Shift;
        if (Byte < 0x80) return Result;
    }
    Fail("varint longer than 10 bytes");
    return 0;
}

double ProtoReader::ReadDouble()
{
    if (Limit - At < 8) {
        Fail("truncated fixed64");
        return 0.0;
    }
    uint64_t Bits = 0;
    for (int I = 7; I >= 0; --I) Bits = (Bits << 8) | At[I];
    At += 8;
    double Value;
    std::memcpy(&Value, &Bits, 8);
    return Value;
}

size_t ProtoReader::ReadLength()
{
    uint64_t Length = ReadVarint();
    if (Problem != nullptr) return 0;
    if (Length > static_cast<uint64_t>(Limit - At)) {
        Fail("length past the end of the message");
        return 0;
    }
    return static_cast<size_t>(Length);
}

void ProtoReader::ReadString(std::string& Out)
{
    size_t Count = ReadLength();
    if (Problem != nullptr) return;
    const char* Data = reinterpret_cast<const char*>(At);
    if (!IsValidUtf8(Data, Count)) {
        Fail("string field is not valid UTF-8");
        return;
    }
    Out.assign(Data, Count);
    At += Count;
}

void ProtoReader::ReadBytes(Bytes& Out)
{
    size_t Count = ReadLength();
    if (Problem != nullptr) return;
    Out.assign(At, At + Count);
    At += Count;
}

void ProtoReader::SkipField(uint32_t Tag)
{
    switch (Tag & 7) {
        case 0:
            ReadVarint();
            return;
        case 1:
            if (Limit - At < 8) {
                Fail("truncated fixed64");
                return;
            }
            At += 8;
            return;
        case 2: {
            size_t Count = ReadLength();
            At += Count;
            return;
        }
        case 5:
            if (Limit - At < 4) {
                Fail("truncated fixed32");
                return;
            }
            At += 4;
            return;
        default:
            // Groups (3, 4) do not exist in proto3; 6 and 7 are not wire types.
            Fail("unsupported wire type");
            return;
    }
}

const uint8_t* ProtoReader::PushLimit(size_t Length)
{
    const uint8_t* Previous = Limit;
    if (Length > static_cast<size_t>(Limit - At)) {
        Fail("length past the end of the message");
        return Previous;
    }
    Limit = At + Length;
    return Previous;
}

bool IsValidUtf8(const char* Data, size_t Size)
{
    const unsigned char* P = reinterpret_cast<const unsigned char*>(Data);
    size_t I = 0;
    while (I < Size) {
        unsigned char C = P[I];
        if (C < 0x80) {
            ++I;
            continue;
        }
        size_t Extra;
        uint32_t Code;
        uint32_t Min;
        if (C >= 0xC2 && C <= 0xDF) {
            Extra = 1;
            Code = C & 0x1F;
            Min = 0x80;
        } else if (C >= 0xE0 && C <= 0xEF) {
            Extra = 2;
            Code = C & 0x0F;
            Min = 0x800;
        } else if (C >= 0xF0 && C <= 0xF4) {
            Extra = 3;
            Code = C & 0x07;
            Min = 0x10000;
        } else {
            return false;
        }
        if (Size - I <= Extra) return false;
        for (size_t K = 1; K <= Extra; ++K) {
            unsigned char Next = P[I + K];
            if ((Next & 0xC0) != 0x80) return false;
            Code = (Code << 6) | (Next & 0x3F);
        }
        if (Code < Min || Code > 0x10FFFF || (Code >= 0xD800 && Code <= 0xDFFF)) return false;
        I += Extra + 1;
    }
    return true;
}

namespace json {

void AppendString(std::string& Out, const char* Data, size_t Size)
{
    static const char Hex[] = "0123456789abcdef";
    Out += '"';
    for (size_t I = 0; I < Size; ++I) {
        unsigned char C = static_cast<unsigned char>(Data[I]);
        switch (C) {
            case '"': Out += "\\\""; break;
            case '\\': Out += "\\\\"; break;
            case '\n': Out += "\\n"; break;
            case '\r': Out += "\\r"; break;
            case '\t': Out += "\\t"; break;
            default:
                if (C < 0x20) {
                    Out += "\\u00";
                    Out += Hex[C >> 4];
                    Out += Hex[C & 15];
                } else {
                    Out += static_cast<char>(C);
                }
        }
    }
    Out += '"';
}

void AppendBase64(std::string& Out, const Bytes& Value)
{
    static const char Alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    Out += '"';
    size_t I = 0;
    for (; I + 3 <= Value.size(); I += 3) {
        uint32_t N = (uint32_t(Value[I]) << 16) | (uint32_t(Value[I + 1]) << 8) | Value[I + 2];
        Out += Alphabet[(N >> 18) & 63];
        Out += Alphabet[(N >> 12) & 63];
        Out += Alphabet[(N >> 6) & 63];
        Out += Alphabet[N & 63];
    }
    size_t Left = Value.size() - I;
    if (Left != 0) {
        uint32_t N = uint32_t(Value[I]) << 16;
        if (Left == 2) N |= uint32_t(Value[I + 1]) << 8;
        Out += Alphabet[(N >> 18) & 63];
        Out += Alphabet[(N >> 12) & 63];
        Out += Left == 2 ? Alphabet[(N >> 6) & 63] : '=';
        Out += '=';
    }
    Out += '"';
}

void AppendDouble(std::string& Out, double Value)
{
    if (std::isnan(Value)) {
        Out += "\"NaN\"";
        return;
    }
    if (std::isinf(Value)) {
        Out += Value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        return;
    }
    if (Value == 0.0 && std::signbit(Value)) {
        Out += "-0.0";  // "-0" would read back as the integer 0
        return;
    }
    // 17 significant digits round-trip every double exactly.
    char Text[32];
    std::snprintf(Text, sizeof Text, "%.17g", Value);
    Out += Text;
}

void AppendInt64(std::string& Out, int64_t Value)
{
    char Text[32];
    std::snprintf(Text, sizeof Text, "\"%lld\"", static_cast<long long>(Value));
    Out += Text;
}

void AppendUInt64(std::string& Out, uint64_t Value)
{
    char Text[32];
    std::snprintf(Text, sizeof Text, "\"%llu\"", static_cast<unsigned long long>(Value));
    Out += Text;
}

void AppendUInt32(std::string& Out, uint32_t Value)
{
    char Text[16];
    std::snprintf(Text, sizeof Text, "%u", static_cast<unsigned>(Value));
    Out += Text;
}

}  // namespace json
}  // namespace rlay
