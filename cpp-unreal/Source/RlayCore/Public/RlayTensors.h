// Tensors: dtype + shape + little-endian C-order bytes (tensor.proto). Building them
// from arrays, reading them back, validating their size, and float16 conversion.
//
//     v1::Tensor Image = rlay::MakeTensor(Pixels.data(), Pixels.size(), {84, 84, 3});
//     std::vector<float> Out;
//     if (rlay::CopyTensor(Received, Out).Ok()) { ... }
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "RlayStatus.h"
#include "RlayTensor.g.h"

namespace rlay {

/// Bytes of one element (bool is one byte), 0 for an unknown dtype.
RLAYCORE_API size_t ItemSize(v1::Dtype Dtype);
/// "float32", "uint8", ... ("unspecified" for 0, the number for unknown values).
RLAYCORE_API std::string DtypeName(v1::Dtype Dtype);
/// "(84, 84, 3)", "(4,)", "()": numpy's spelling, used in error messages.
RLAYCORE_API std::string ShapeString(const std::vector<int64_t>& Shape);
/// The number of elements of a shape; false for a negative dimension or overflow.
RLAYCORE_API bool ElementCount(const std::vector<int64_t>& Shape, uint64_t& Count);
/// InvalidArgument unless the dtype is known and the data has exactly the bytes the shape needs.
RLAYCORE_API Status ValidateTensor(const v1::Tensor& Tensor);

/// IEEE 754 half precision, rounding to nearest even (numpy's astype(float16)).
RLAYCORE_API uint16_t FloatToHalf(float Value);
RLAYCORE_API float HalfToFloat(uint16_t Bits);

/// Reads element I of data with an integer (or bool) dtype as int64.
RLAYCORE_API int64_t ReadInteger(v1::Dtype Dtype, const uint8_t* Data, size_t I);
/// Reads element I of data with a floating dtype as double.
RLAYCORE_API double ReadFloat(v1::Dtype Dtype, const uint8_t* Data, size_t I);

/// The dtype of a C++ element type.
template <typename T> struct DtypeOf;
template <> struct DtypeOf<bool> { static constexpr v1::Dtype Value = v1::Dtype::Bool; };
template <> struct DtypeOf<int8_t> { static constexpr v1::Dtype Value = v1::Dtype::Int8; };
template <> struct DtypeOf<int16_t> { static constexpr v1::Dtype Value = v1::Dtype::Int16; };
template <> struct DtypeOf<int32_t> { static constexpr v1::Dtype Value = v1::Dtype::Int32; };
template <> struct DtypeOf<int64_t> { static constexpr v1::Dtype Value = v1::Dtype::Int64; };
template <> struct DtypeOf<uint8_t> { static constexpr v1::Dtype Value = v1::Dtype::Uint8; };
template <> struct DtypeOf<uint16_t> { static constexpr v1::Dtype Value = v1::Dtype::Uint16; };
template <> struct DtypeOf<uint32_t> { static constexpr v1::Dtype Value = v1::Dtype::Uint32; };
template <> struct DtypeOf<uint64_t> { static constexpr v1::Dtype Value = v1::Dtype::Uint64; };
template <> struct DtypeOf<float> { static constexpr v1::Dtype Value = v1::Dtype::Float32; };
template <> struct DtypeOf<double> { static constexpr v1::Dtype Value = v1::Dtype::Float64; };

/// A tensor from raw little-endian bytes.
RLAYCORE_API v1::Tensor MakeTensorOfBytes(v1::Dtype Dtype, Bytes Data, std::vector<int64_t> Shape);

namespace detail {
template <typename T, typename Source>
v1::Tensor Pack(const Source& Data, size_t Count, std::vector<int64_t> Shape)
{
    v1::Tensor Result;
    Result.dtype = DtypeOf<T>::Value;
    Result.shape = Shape.empty() ? std::vector<int64_t>{static_cast<int64_t>(Count)} : std::move(Shape);
    Result.data.resize(Count * sizeof(T));
    for (size_t I = 0; I < Count; ++I) {
        T Item = Data[I];
        if constexpr (DtypeOf<T>::Value == v1::Dtype::Bool) {
            Result.data[I] = Item ? 1 : 0;
        } else {
            std::memcpy(Result.data.data() + I * sizeof(T), &Item, sizeof(T));
        }
    }
    return Result;
}
}  // namespace detail

/// A tensor of Count elements; an empty Shape means [Count]. Little-endian hosts only
/// (every platform Unreal ships on), so the bytes are the array's own.
template <typename T>
v1::Tensor MakeTensor(const T* Data, size_t Count, std::vector<int64_t> Shape = {})
{
    return detail::Pack<T>(Data, Count, std::move(Shape));
}

template <typename T>
v1::Tensor MakeTensor(const std::vector<T>& Data, std::vector<int64_t> Shape = {})
{
    return detail::Pack<T>(Data, Data.size(), std::move(Shape));
}

template <typename T>
v1::Tensor MakeTensor(std::initializer_list<T> Data, std::vector<int64_t> Shape = {})
{
    return detail::Pack<T>(Data.begin(), Data.size(), std::move(Shape));
}

/// A 0-dimensional tensor (a numpy scalar).
template <typename T>
v1::Tensor ScalarTensor(T Value)
{
    v1::Tensor Result = MakeTensor(&Value, 1);
    Result.shape.clear();
    return Result;
}

/// A float16 tensor from floats (rounded to nearest even).
RLAYCORE_API v1::Tensor MakeHalfTensor(const float* Data, size_t Count, std::vector<int64_t> Shape = {});
/// Copies a tensor's elements out; InvalidArgument when its dtype is not T's or its size is wrong.
template <typename T>
Status CopyTensor(const v1::Tensor& Tensor, std::vector<T>& Out)
{
    if (Tensor.dtype != DtypeOf<T>::Value) {
        return Status::Invalid("expected a tensor of dtype " + DtypeName(DtypeOf<T>::Value) + ", got " +
                               DtypeName(Tensor.dtype));
    }
    Status Valid = ValidateTensor(Tensor);
    if (!Valid.Ok()) return Valid;
    size_t Count = Tensor.data.size() / sizeof(T);
    Out.resize(Count);
    for (size_t I = 0; I < Count; ++I) {
        if constexpr (DtypeOf<T>::Value == v1::Dtype::Bool) {
            Out[I] = Tensor.data[I] != 0;
        } else {
            std::memcpy(&Out[I], Tensor.data.data() + I * sizeof(T), sizeof(T));
        }
    }
    return Status::Success();
}

/// Float16 elements as floats.
RLAYCORE_API Status CopyHalfTensor(const v1::Tensor& Tensor, std::vector<float>& Out);

}  // namespace rlay
