// The protobuf wire format, hand-written and dependency-free: what the generated
// codecs (Generated/*.g.h) call to encode and decode messages.
//
// No exceptions: a ProtoReader that meets malformed input records the first
// problem, returns zeros from then on, and the generated MergeFrom returns false.
//
//     std::vector<uint8_t> bytes = message.SerializeAsBytes();
//     rlay::v1::Tensor copy;
//     if (!copy.ParseFromArray(bytes.data(), bytes.size())) { /* copy is partial */ }
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#ifndef RLAYCORE_API
#define RLAYCORE_API
#endif

namespace rlay {

/// Bytes of a `bytes` field.
using Bytes = std::vector<uint8_t>;

/// An owning pointer with value semantics (copies deep), for message fields:
/// messages may hold themselves (Value -> ValueList -> Value), so they are boxed.
template <typename T>
class Boxed {
public:
    Boxed() = default;
    ~Boxed() { delete Ptr; }
    Boxed(const Boxed& Other) : Ptr(Other.Ptr ? new T(*Other.Ptr) : nullptr) {}
    Boxed(Boxed&& Other) noexcept : Ptr(Other.Ptr) { Other.Ptr = nullptr; }
    Boxed& operator=(const Boxed& Other)
    {
        if (this != &Other) {
            T* Copy = Other.Ptr ? new T(*Other.Ptr) : nullptr;
            delete Ptr;
            Ptr = Copy;
        }
        return *this;
    }
    Boxed& operator=(Boxed&& Other) noexcept
    {
        if (this != &Other) {
            delete Ptr;
            Ptr = Other.Ptr;
            Other.Ptr = nullptr;
        }
        return *this;
    }

    bool Has() const { return Ptr != nullptr; }
    const T* Get() const { return Ptr; }
    T* Mutable()
    {
        if (Ptr == nullptr) Ptr = new T();
        return Ptr;
    }
    void Reset()
    {
        delete Ptr;
        Ptr = nullptr;
    }

private:
    T* Ptr = nullptr;
};

/// Writes fields into a buffer sized beforehand by the message's ByteSize().
class RLAYCORE_API ProtoWriter {
public:
    explicit ProtoWriter(uint8_t* Buffer) : At(Buffer) {}

    uint8_t* Position() const { return At; }

    void WriteVarint(uint64_t Value)
    {
        while (Value >= 0x80) {
            *At++ = static_cast<uint8_t>(Value | 0x80);
            Value >>= 7;
        }
        *At++ = static_cast<uint8_t>(Value);
    }
    void WriteTag(uint32_t Tag) { WriteVarint(Tag); }
    void WriteBool(bool Value) { *At++ = Value ? 1 : 0; }
    void WriteInt64(int64_t Value) { WriteVarint(static_cast<uint64_t>(Value)); }
    void WriteUInt32(uint32_t Value) { WriteVarint(Value); }
    void WriteUInt64(uint64_t Value) { WriteVarint(Value); }
    // Negative enum values are sign-extended to 10 bytes, as protobuf does.
    void WriteEnum(int32_t Value) { WriteVarint(static_cast<uint64_t>(static_cast<int64_t>(Value))); }
    void WriteDouble(double Value)
    {
        uint64_t Bits;
        std::memcpy(&Bits, &Value, 8);
        for (int I = 0; I < 8; ++I) *At++ = static_cast<uint8_t>(Bits >> (8 * I));
    }
    void WriteLength(size_t Length) { WriteVarint(Length); }
    void WriteRaw(const void* Data, size_t Count)
    {
        if (Count != 0) std::memcpy(At, Data, Count);
        At += Count;
    }
    void WriteString(const std::string& Value)
    {
        WriteLength(Value.size());
        WriteRaw(Value.data(), Value.size());
    }
    void WriteBytes(const Bytes& Value)
    {
        WriteLength(Value.size());
        WriteRaw(Value.data(), Value.size());
    }

    static size_t SizeOfVarint(uint64_t Value)
    {
        size_t Size = 1;
        while (Value >= 0x80) {
            Value >>= 7;
            ++Size;
        }
        return Size;
    }
    static size_t SizeOfInt64(int64_t Value) { return SizeOfVarint(static_cast<uint64_t>(Value)); }
    static size_t SizeOfUInt32(uint32_t Value) { return SizeOfVarint(Value); }
    static size_t SizeOfUInt64(uint64_t Value) { return SizeOfVarint(Value); }
    static size_t SizeOfEnum(int32_t Value)
    {
        return SizeOfVarint(static_cast<uint64_t>(static_cast<int64_t>(Value)));
    }
    static size_t SizeOfLengthDelimited(size_t Length) { return SizeOfVarint(Length) + Length; }

private:
    uint8_t* At;
};

/// Reads fields from a buffer it does not own. The first malformation is kept in
/// Error(); from then on every read returns zero and ReadTag() returns 0.
class RLAYCORE_API ProtoReader {
public:
    /// Nesting deeper than this is refused (a hostile frame must not exhaust the stack).
    static constexpr int MaxDepth = 100;

    ProtoReader(const uint8_t* Data, size_t Size) : At(Data), Limit(Data + Size) {}

    bool Ok() const { return Problem == nullptr; }
    /// The first problem met, or nullptr.
    const char* Error() const { return Problem; }
    void Fail(const char* What)
    {
        if (Problem == nullptr) Problem = What;
        At = Limit;
    }

    bool AtLimit() const { return At >= Limit; }

    /// The next tag, or 0 at the limit or after an error.
    uint32_t ReadTag();
    uint64_t ReadVarint();
    bool ReadBool() { return ReadVarint() != 0; }
    int64_t ReadInt64() { return static_cast<int64_t>(ReadVarint()); }
    uint32_t ReadUInt32() { return static_cast<uint32_t>(ReadVarint()); }
    uint64_t ReadUInt64() { return ReadVarint(); }
    int32_t ReadEnum() { return static_cast<int32_t>(ReadVarint()); }
    double ReadDouble();
    /// A length prefix, checked against the bytes left before the limit.
    size_t ReadLength();
    /// Strings must be valid UTF-8, as in protobuf's proto3 parsers.
    void ReadString(std::string& Out);
    void ReadBytes(Bytes& Out);
    void SkipField(uint32_t Tag);

    /// Limits reading to the next Length bytes; returns the previous limit for PopLimit.
    const uint8_t* PushLimit(size_t Length);
    void PopLimit(const uint8_t* Previous) { Limit = Problem ? Limit : Previous; }

    /// Enters a nested message (false, and an error, past MaxDepth); pair with Leave().
    bool Enter()
    {
        if (++Depth > MaxDepth) {
            Fail("messages nested too deeply");
            return false;
        }
        return true;
    }
    void Leave() { --Depth; }

private:
    const uint8_t* At;
    const uint8_t* Limit;
    int Depth = 0;
    const char* Problem = nullptr;
};

/// True when a double differs from +0.0 bit for bit (proto3 writes -0.0, skips 0.0).
inline bool HasBits(double Value)
{
    uint64_t Bits;
    std::memcpy(&Bits, &Value, 8);
    return Bits != 0;
}

/// True when Data holds well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
RLAYCORE_API bool IsValidUtf8(const char* Data, size_t Size);

/// Appends proto3 JSON pieces: used by the generated AppendJson (logs, tests, tools).
namespace json {
/// `"name":`, preceded by a comma unless it is the object's first key.
inline void AppendKey(std::string& Out, bool& bFirst, const char* Name)
{
    if (!bFirst) Out += ',';
    bFirst = false;
    Out += '"';
    Out += Name;
    Out += "\":";
}
RLAYCORE_API void AppendString(std::string& Out, const char* Data, size_t Size);
inline void AppendString(std::string& Out, const std::string& Value)
{
    AppendString(Out, Value.data(), Value.size());
}
RLAYCORE_API void AppendBase64(std::string& Out, const Bytes& Value);
RLAYCORE_API void AppendDouble(std::string& Out, double Value);
RLAYCORE_API void AppendInt64(std::string& Out, int64_t Value);
RLAYCORE_API void AppendUInt64(std::string& Out, uint64_t Value);
RLAYCORE_API void AppendUInt32(std::string& Out, uint32_t Value);
}  // namespace json

}  // namespace rlay
