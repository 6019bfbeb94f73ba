#include "RlaySpaces.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "RlayTensors.h"

namespace rlay {

const char* const Alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

namespace {

template <typename T>
T Clamped(double Value)
{
    if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(Value);  // infinities stay infinite
    }
    // Out-of-range bounds (an infinite bound of an integer Box) become the dtype's limits.
    if (std::isnan(Value)) return T(0);
    if (Value <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (Value >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(Value);
}

template <typename T>
v1::Tensor Fill(double Value, size_t Count, const std::vector<int64_t>& Shape)
{
    std::vector<T> Items(Count, Clamped<T>(Value));
    v1::Tensor Result = MakeTensor(Items, Shape);
    Result.shape = Shape;
    return Result;
}

v1::Tensor Broadcast(v1::Dtype Dtype, double Value, const std::vector<int64_t>& Shape)
{
    uint64_t Count = 0;
    if (!ElementCount(Shape, Count)) Count = 0;
    size_t N = static_cast<size_t>(Count);
    switch (Dtype) {
        case v1::Dtype::Bool: {
            v1::Tensor Result = MakeTensorOfBytes(Dtype, Bytes(N, Value != 0 ? 1 : 0), Shape);
            return Result;
        }
        case v1::Dtype::Int8: return Fill<int8_t>(Value, N, Shape);
        case v1::Dtype::Int16: return Fill<int16_t>(Value, N, Shape);
        case v1::Dtype::Int32: return Fill<int32_t>(Value, N, Shape);
        case v1::Dtype::Int64: return Fill<int64_t>(Value, N, Shape);
        case v1::Dtype::Uint8: return Fill<uint8_t>(Value, N, Shape);
        case v1::Dtype::Uint16: return Fill<uint16_t>(Value, N, Shape);
        case v1::Dtype::Uint32: return Fill<uint32_t>(Value, N, Shape);
        case v1::Dtype::Uint64: return Fill<uint64_t>(Value, N, Shape);
        case v1::Dtype::Float16: {
            std::vector<float> Items(N, static_cast<float>(Value));
            return MakeHalfTensor(Items.data(), N, Shape.empty() ? std::vector<int64_t>{} : Shape);
        }
        case v1::Dtype::Float32: return Fill<float>(Value, N, Shape);
        case v1::Dtype::Float64: return Fill<double>(Value, N, Shape);
        case v1::Dtype::Unspecified: break;
    }
    return MakeTensorOfBytes(Dtype, Bytes(), Shape);
}

}  // namespace

v1::Space BoxSpace(v1::Dtype Dtype, double Low, double High, std::vector<int64_t> Shape)
{
    v1::Tensor LowTensor = Broadcast(Dtype, Low, Shape);
    v1::Tensor HighTensor = Broadcast(Dtype, High, Shape);
    LowTensor.shape = Shape;
    HighTensor.shape = Shape;
    v1::Space Result = BoxOfBounds(std::move(LowTensor), std::move(HighTensor));
    bool bInteger = Dtype != v1::Dtype::Float16 && Dtype != v1::Dtype::Float32 && Dtype != v1::Dtype::Float64;
    if (bInteger && (std::isinf(Low) || std::isinf(High))) {
        // An integer Box declared with an infinite bound is unbounded there (space.proto).
        uint64_t Count = 0;
        ElementCount(Shape, Count);
        v1::BoxSpace* Box = Result.mutable_box();
        *Box->mutable_bounded_below() = MakeTensorOfBytes(v1::Dtype::Bool, Bytes(Count, std::isinf(Low) ? 0 : 1), Shape);
        *Box->mutable_bounded_above() = MakeTensorOfBytes(v1::Dtype::Bool, Bytes(Count, std::isinf(High) ? 0 : 1), Shape);
    }
    return Result;
}

v1::Space BoxOfBounds(v1::Tensor Low, v1::Tensor High)
{
    v1::Space Result;
    v1::BoxSpace* Box = Result.mutable_box();
    Box->dtype = Low.dtype;
    Box->shape = Low.shape;
    *Box->mutable_low() = std::move(Low);
    *Box->mutable_high() = std::move(High);
    return Result;
}

v1::Space DiscreteSpace(int64_t N, int64_t Start)
{
    v1::Space Result;
    v1::DiscreteSpace* Discrete = Result.mutable_discrete();
    Discrete->n = N;
    Discrete->start = Start;
    Discrete->dtype = v1::Dtype::Int64;
    return Result;
}

v1::Space MultiDiscreteSpace(std::vector<int64_t> Nvec, std::vector<int64_t> Start, std::vector<int64_t> Shape)
{
    if (Start.empty()) Start.assign(Nvec.size(), 0);
    if (Shape.empty()) Shape = {static_cast<int64_t>(Nvec.size())};
    v1::Space Result;
    v1::MultiDiscreteSpace* Multi = Result.mutable_multi_discrete();
    *Multi->mutable_nvec() = MakeTensor(Nvec, Shape);
    *Multi->mutable_start() = MakeTensor(Start, Shape);
    return Result;
}

v1::Space MultiBinarySpace(std::vector<int64_t> Shape)
{
    v1::Space Result;
    Result.mutable_multi_binary()->shape = std::move(Shape);
    return Result;
}

v1::Space TextSpace(int64_t MaxLength, int64_t MinLength, std::string Charset)
{
    v1::Space Result;
    v1::TextSpace* Text = Result.mutable_text();
    Text->min_length = MinLength;
    Text->max_length = MaxLength;
    Text->charset = std::move(Charset);
    return Result;
}

v1::Space TupleSpace(std::vector<v1::Space> Spaces)
{
    v1::Space Result;
    Result.mutable_tuple()->spaces = std::move(Spaces);
    return Result;
}

v1::Space DictSpace(std::vector<std::pair<std::string, v1::Space>> Entries)
{
    v1::Space Result;
    v1::DictSpace* Dict = Result.mutable_dict();
    Dict->entries.resize(Entries.size());
    for (size_t I = 0; I < Entries.size(); ++I) {
        Dict->entries[I].key = std::move(Entries[I].first);
        *Dict->entries[I].mutable_space() = std::move(Entries[I].second);
    }
    return Result;
}

v1::Space SequenceSpace(v1::Space FeatureSpace, bool bStack)
{
    v1::Space Result;
    v1::SequenceSpace* Sequence = Result.mutable_sequence();
    *Sequence->mutable_feature_space() = std::move(FeatureSpace);
    Sequence->stack = bStack;
    return Result;
}

v1::Space GraphSpace(v1::Space NodeSpace, v1::Space EdgeSpace)
{
    v1::Space Result;
    v1::GraphSpace* Graph = Result.mutable_graph();
    *Graph->mutable_node_space() = std::move(NodeSpace);
    *Graph->mutable_edge_space() = std::move(EdgeSpace);
    return Result;
}

v1::Space GraphSpace(v1::Space NodeSpace)
{
    v1::Space Result;
    *Result.mutable_graph()->mutable_node_space() = std::move(NodeSpace);
    return Result;
}

v1::Space OneOfSpace(std::vector<v1::Space> Spaces)
{
    v1::Space Result;
    Result.mutable_one_of()->spaces = std::move(Spaces);
    return Result;
}

const char* SpaceKindName(const v1::Space& Space)
{
    using Kind = v1::Space::KindCase;
    switch (Space.kind_case()) {
        case Kind::Box: return "Box";
        case Kind::Discrete: return "Discrete";
        case Kind::MultiDiscrete: return "MultiDiscrete";
        case Kind::MultiBinary: return "MultiBinary";
        case Kind::Text: return "Text";
        case Kind::Tuple: return "Tuple";
        case Kind::Dict: return "Dict";
        case Kind::Sequence: return "Sequence";
        case Kind::Graph: return "Graph";
        case Kind::OneOf: return "OneOf";
        case Kind::NotSet: break;
    }
    return "no space";
}

}  // namespace rlay
