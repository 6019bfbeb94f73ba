#include "RlayTensors.h"

#include <cmath>
#include <limits>

namespace rlay {

size_t ItemSize(v1::Dtype Dtype)
{
    switch (Dtype) {
        case v1::Dtype::Bool:
        case v1::Dtype::Int8:
        case v1::Dtype::Uint8:
            return 1;
        case v1::Dtype::Int16:
        case v1::Dtype::Uint16:
        case v1::Dtype::Float16:
            return 2;
        case v1::Dtype::Int32:
        case v1::Dtype::Uint32:
        case v1::Dtype::Float32:
            return 4;
        case v1::Dtype::Int64:
        case v1::Dtype::Uint64:
        case v1::Dtype::Float64:
            return 8;
        case v1::Dtype::Unspecified:
            return 0;
    }
    return 0;
}

std::string DtypeName(v1::Dtype Dtype)
{
    const char* Name = v1::EnumName(Dtype);
    if (Name == nullptr) return "dtype " + std::to_string(static_cast<int32_t>(Dtype));
    std::string Result(Name + 6);  // after "DTYPE_"
    for (char& C : Result) C = static_cast<char>(C >= 'A' && C <= 'Z' ? C - 'A' + 'a' : C);
    return Result;
}

std::string ShapeString(const std::vector<int64_t>& Shape)
{
    if (Shape.size() == 1) return "(" + std::to_string(Shape[0]) + ",)";
    std::string Result = "(";
    for (size_t I = 0; I < Shape.size(); ++I) {
        if (I != 0) Result += ", ";
        Result += std::to_string(Shape[I]);
    }
    return Result + ")";
}

bool ElementCount(const std::vector<int64_t>& Shape, uint64_t& Count)
{
    Count = 1;
    for (int64_t Dim : Shape) {
        if (Dim < 0) return false;
        uint64_t D = static_cast<uint64_t>(Dim);
        if (D != 0 && Count > std::numeric_limits<uint64_t>::max() / D) return false;
        Count *= D;
    }
    return true;
}

Status ValidateTensor(const v1::Tensor& Tensor)
{
    size_t Size = ItemSize(Tensor.dtype);
    if (Size == 0) return Status::Invalid("unknown tensor dtype " + DtypeName(Tensor.dtype));
    uint64_t Count = 0;
    if (!ElementCount(Tensor.shape, Count) || Count > std::numeric_limits<uint64_t>::max() / Size) {
        return Status::Invalid("invalid tensor shape " + ShapeString(Tensor.shape));
    }
    if (Count * Size != Tensor.data.size()) {
        return Status::Invalid("tensor of dtype " + DtypeName(Tensor.dtype) + " and shape " +
                               ShapeString(Tensor.shape) + " needs " + std::to_string(Count * Size) +
                               " bytes, got " + std::to_string(Tensor.data.size()));
    }
    return Status::Success();
}

uint16_t FloatToHalf(float Value)
{
    uint32_t Bits;
    std::memcpy(&Bits, &Value, 4);
    uint32_t Sign = (Bits >> 16) & 0x8000u;
    int32_t Exponent = static_cast<int32_t>((Bits >> 23) & 0xFF);
    uint32_t Mantissa = Bits & 0x7FFFFFu;
    if (Exponent == 0xFF) {
        return static_cast<uint16_t>(Sign | 0x7C00u | (Mantissa != 0 ? 0x200u | (Mantissa >> 13) : 0));
    }
    int32_t E = Exponent - 127 + 15;
    if (E >= 0x1F) return static_cast<uint16_t>(Sign | 0x7C00u);
    if (E <= 0) {
        if (E < -10) return static_cast<uint16_t>(Sign);
        Mantissa |= 0x800000u;
        int32_t Shift = 14 - E;
        uint32_t Half = Mantissa >> Shift;
        uint32_t Rest = Mantissa & ((1u << Shift) - 1);
        uint32_t Midpoint = 1u << (Shift - 1);
        if (Rest > Midpoint || (Rest == Midpoint && (Half & 1) != 0)) ++Half;
        return static_cast<uint16_t>(Sign | Half);
    }
    uint32_t Result = Sign | (static_cast<uint32_t>(E) << 10) | (Mantissa >> 13);
    uint32_t Remainder = Mantissa & 0x1FFFu;
    // Rounding up may carry into the exponent; that is the right answer (up to infinity).
    if (Remainder > 0x1000u || (Remainder == 0x1000u && (Result & 1) != 0)) ++Result;
    return static_cast<uint16_t>(Result);
}

float HalfToFloat(uint16_t Bits)
{
    uint32_t Sign = static_cast<uint32_t>(Bits & 0x8000u) << 16;
    uint32_t Exponent = (Bits >> 10) & 0x1Fu;
    uint32_t Mantissa = Bits & 0x3FFu;
    uint32_t Result;
    if (Exponent == 0x1F) {
        Result = Sign | 0x7F800000u | (Mantissa << 13);
    } else if (Exponent != 0) {
        Result = Sign | ((Exponent + 112) << 23) | (Mantissa << 13);
    } else if (Mantissa == 0) {
        Result = Sign;
    } else {
        // A subnormal half is a normal float: shift the mantissa up to its leading 1.
        int32_t E = 113;
        while ((Mantissa & 0x400u) == 0) {
            Mantissa <<= 1;
            --E;
        }
        Result = Sign | (static_cast<uint32_t>(E) << 23) | ((Mantissa & 0x3FFu) << 13);
    }
    float Value;
    std::memcpy(&Value, &Result, 4);
    return Value;
}

namespace {
template <typename T>
T Load(const uint8_t* Data, size_t I)
{
    T Value;
    std::memcpy(&Value, Data + I * sizeof(T), sizeof(T));
    return Value;
}
}  // namespace

int64_t ReadInteger(v1::Dtype Dtype, const uint8_t* Data, size_t I)
{
    switch (Dtype) {
        case v1::Dtype::Bool:
        case v1::Dtype::Uint8: return Data[I];
        case v1::Dtype::Int8: return Load<int8_t>(Data, I);
        case v1::Dtype::Int16: return Load<int16_t>(Data, I);
        case v1::Dtype::Uint16: return Load<uint16_t>(Data, I);
        case v1::Dtype::Int32: return Load<int32_t>(Data, I);
        case v1::Dtype::Uint32: return Load<uint32_t>(Data, I);
        case v1::Dtype::Int64: return Load<int64_t>(Data, I);
        case v1::Dtype::Uint64: return static_cast<int64_t>(Load<uint64_t>(Data, I));
        default: return 0;
    }
}

double ReadFloat(v1::Dtype Dtype, const uint8_t* Data, size_t I)
{
    switch (Dtype) {
        case v1::Dtype::Float16: return HalfToFloat(Load<uint16_t>(Data, I));
        case v1::Dtype::Float32: return Load<float>(Data, I);
        case v1::Dtype::Float64: return Load<double>(Data, I);
        default: return static_cast<double>(ReadInteger(Dtype, Data, I));
    }
}

v1::Tensor MakeHalfTensor(const float* Data, size_t Count, std::vector<int64_t> Shape)
{
    v1::Tensor Result;
    Result.dtype = v1::Dtype::Float16;
    Result.shape = Shape.empty() ? std::vector<int64_t>{static_cast<int64_t>(Count)} : std::move(Shape);
    Result.data.resize(Count * 2);
    for (size_t I = 0; I < Count; ++I) {
        uint16_t Bits = FloatToHalf(Data[I]);
        Result.data[2 * I] = static_cast<uint8_t>(Bits);
        Result.data[2 * I + 1] = static_cast<uint8_t>(Bits >> 8);
    }
    return Result;
}

v1::Tensor MakeTensorOfBytes(v1::Dtype Dtype, Bytes Data, std::vector<int64_t> Shape)
{
    v1::Tensor Result;
    Result.dtype = Dtype;
    Result.shape = std::move(Shape);
    Result.data = std::move(Data);
    return Result;
}

Status CopyHalfTensor(const v1::Tensor& Tensor, std::vector<float>& Out)
{
    if (Tensor.dtype != v1::Dtype::Float16) {
        return Status::Invalid("expected a tensor of dtype float16, got " + DtypeName(Tensor.dtype));
    }
    Status Valid = ValidateTensor(Tensor);
    if (!Valid.Ok()) return Valid;
    Out.resize(Tensor.data.size() / 2);
    for (size_t I = 0; I < Out.size(); ++I) Out[I] = HalfToFloat(Load<uint16_t>(Tensor.data.data(), I));
    return Status::Success();
}

}  // namespace rlay
