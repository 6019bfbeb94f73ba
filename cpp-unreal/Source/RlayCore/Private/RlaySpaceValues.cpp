#include "RlaySpaceValues.h"

#include <algorithm>
#include <cstring>

#include "RlayTensors.h"
#include "RlayValues.h"

namespace rlay {

namespace {

using SpaceKind = v1::Space::KindCase;
using ValueKind = v1::Value::KindCase;

Status Wrong(const std::string& Path, const std::string& Expected, const v1::Value& Got)
{
    std::string Shown = KindName(Got);
    if (Got.has_tuple_value()) {
        Shown = "a tuple_value of " + std::to_string(Got.tuple_value().items.size()) + " parts";
    } else if (Got.has_list_value()) {
        Shown = "a list_value of " + std::to_string(Got.list_value().items.size()) + " elements";
    }
    return Status::Invalid(Path + ": expected " + Expected + ", got " + Shown);
}

bool IsTensorSpace(const v1::Space& Space)
{
    return Space.has_box() || Space.has_multi_discrete() || Space.has_multi_binary();
}

v1::Dtype ElementDtype(const v1::Space& Space)
{
    if (Space.has_box()) return Space.box().dtype;
    if (Space.has_multi_discrete()) return Space.multi_discrete().nvec().dtype;
    return v1::Dtype::Int8;  // MultiBinary
}

const std::vector<int64_t>& ElementShape(const v1::Space& Space)
{
    if (Space.has_box()) return Space.box().shape;
    if (Space.has_multi_discrete()) return Space.multi_discrete().nvec().shape;
    return Space.multi_binary().shape;
}

v1::Dtype DiscreteDtype(const v1::DiscreteSpace& Discrete)
{
    return Discrete.dtype == v1::Dtype::Unspecified ? v1::Dtype::Int64 : Discrete.dtype;
}

bool IsIntegerDtype(v1::Dtype Dtype)
{
    return Dtype != v1::Dtype::Float16 && Dtype != v1::Dtype::Float32 && Dtype != v1::Dtype::Float64 &&
           ItemSize(Dtype) != 0;
}

Status ExpectTensor(const v1::Value& Value, v1::Dtype Dtype, const std::vector<int64_t>& Shape,
                    const std::string& Path)
{
    if (!Value.has_tensor()) return Wrong(Path, "a tensor", Value);
    const v1::Tensor& Tensor = Value.tensor();
    if (Tensor.dtype != Dtype) {
        return Status::Invalid(Path + ": expected dtype " + DtypeName(Dtype) + ", got " + DtypeName(Tensor.dtype));
    }
    if (Tensor.shape != Shape) {
        return Status::Invalid(Path + ": expected shape " + ShapeString(Shape) + ", got " + ShapeString(Tensor.shape));
    }
    Status Valid = ValidateTensor(Tensor);
    if (!Valid.Ok()) return Status::Invalid(Path + ": " + Valid.Message);
    return Status::Success();
}

Status CheckBounds(const v1::Tensor& X, const v1::BoxSpace& Box, const std::string& Path)
{
    if (!Box.has_low() || !Box.has_high()) return Status::Success();
    const v1::Tensor& Low = Box.low();
    const v1::Tensor& High = Box.high();
    if (Low.data.size() != X.data.size() || High.data.size() != X.data.size()) return Status::Success();
    size_t Count = X.data.size() / std::max<size_t>(1, ItemSize(X.dtype));
    for (size_t I = 0; I < Count; ++I) {
        bool bInside;
        std::string Shown;
        if (X.dtype == v1::Dtype::Uint64) {
            uint64_t V = static_cast<uint64_t>(ReadInteger(X.dtype, X.data.data(), I));
            bInside = V >= static_cast<uint64_t>(ReadInteger(X.dtype, Low.data.data(), I)) &&
                      V <= static_cast<uint64_t>(ReadInteger(X.dtype, High.data.data(), I));
            Shown = std::to_string(V);
        } else if (!IsIntegerDtype(X.dtype)) {
            double V = ReadFloat(X.dtype, X.data.data(), I);
            bInside = V >= ReadFloat(X.dtype, Low.data.data(), I) && V <= ReadFloat(X.dtype, High.data.data(), I);
            Shown = std::to_string(V);
        } else {
            int64_t V = ReadInteger(X.dtype, X.data.data(), I);
            bInside = V >= ReadInteger(X.dtype, Low.data.data(), I) && V <= ReadInteger(X.dtype, High.data.data(), I);
            Shown = std::to_string(V);
        }
        if (!bInside) {
            return Status::Invalid(Path + ": element " + std::to_string(I) + " = " + Shown +
                                   " is outside the Box bounds");
        }
    }
    return Status::Success();
}

Status CheckKeys(const v1::DictSpace& Dict, const v1::ValueMap& Map, const std::string& Path)
{
    bool bSame = Map.entries.size() == Dict.entries.size();
    for (size_t I = 0; bSame && I < Dict.entries.size(); ++I) {
        bool bFound = false;
        for (const v1::ValueMapEntry& Entry : Map.entries) bFound = bFound || Entry.key == Dict.entries[I].key;
        bSame = bFound;
    }
    if (bSame) return Status::Success();
    std::string Expected;
    std::string Got;
    for (const v1::DictSpaceEntry& Entry : Dict.entries) Expected += (Expected.empty() ? "'" : ", '") + Entry.key + "'";
    for (const v1::ValueMapEntry& Entry : Map.entries) Got += (Got.empty() ? "'" : ", '") + Entry.key + "'";
    return Status::Invalid(Path + ": expected keys [" + Expected + "], got [" + Got + "]");
}

/// Splits UTF-8 text into code points (as strings); false when it is not UTF-8.
bool Characters(const std::string& Text, std::vector<std::string>& Out)
{
    if (!IsValidUtf8(Text.data(), Text.size())) return false;
    for (size_t I = 0; I < Text.size();) {
        unsigned char C = static_cast<unsigned char>(Text[I]);
        size_t Length = C < 0x80 ? 1 : C < 0xE0 ? 2 : C < 0xF0 ? 3 : 4;
        Out.push_back(Text.substr(I, Length));
        I += Length;
    }
    return true;
}

Status CheckText(const v1::TextSpace& Text, const std::string& Value, const std::string& Path)
{
    std::vector<std::string> Chars;
    std::vector<std::string> Charset;
    if (!Characters(Value, Chars) || !Characters(Text.charset, Charset)) {
        return Status::Invalid(Path + ": text is not valid UTF-8");
    }
    for (const std::string& Char : Chars) {
        if (std::find(Charset.begin(), Charset.end(), Char) == Charset.end()) {
            return Status::Invalid(Path + ": character '" + Char + "' is not in the Text charset");
        }
    }
    int64_t Length = static_cast<int64_t>(Chars.size());
    if (Length < Text.min_length || Length > Text.max_length) {
        return Status::Invalid(Path + ": text of length " + std::to_string(Length) + " is outside " +
                               std::to_string(Text.min_length) + ".." + std::to_string(Text.max_length));
    }
    return Status::Success();
}

Status BatchLength(const v1::Space& Space, const v1::Value& Batch, const std::string& Path, size_t& Length)
{
    if (IsTensorSpace(Space) || Space.has_discrete()) {
        if (!Batch.has_tensor() || Batch.tensor().shape.empty() || Batch.tensor().shape[0] < 0) {
            return Wrong(Path, "a stacked tensor", Batch);
        }
        Length = static_cast<size_t>(Batch.tensor().shape[0]);
        return Status::Success();
    }
    if (Space.has_tuple()) {
        if (!Batch.has_tuple_value() || Batch.tuple_value().items.empty() || Space.tuple().spaces.empty()) {
            return Wrong(Path, "a tuple_value", Batch);
        }
        return BatchLength(Space.tuple().spaces[0], Batch.tuple_value().items[0], Path + "[0]", Length);
    }
    if (Space.has_dict()) {
        if (!Batch.has_map_value() || Space.dict().entries.empty()) return Wrong(Path, "a map_value", Batch);
        const v1::DictSpaceEntry& First = Space.dict().entries[0];
        const v1::Value* Column = Get(Batch, First.key);
        if (Column == nullptr) return Status::Invalid(Path + ": missing key '" + First.key + "'");
        return BatchLength(First.space(), *Column, Path + "['" + First.key + "']", Length);
    }
    if (!Batch.has_list_value()) return Wrong(Path, "a list_value", Batch);
    Length = Batch.list_value().items.size();
    return Status::Success();
}

Status CheckGraph(const v1::GraphSpace& Graph, const v1::GraphValue& G, const std::string& Path);

/// More elements than this in one batch or sequence are refused before anything is allocated
/// (a shape such as [2^40, 0] is valid bytes-wise: a hostile frame must not exhaust memory).
constexpr size_t MaxBatchElements = size_t(1) << 20;

Status UnbatchUnchecked(const v1::Space& Space, const v1::Value& Batch, size_t N, std::vector<v1::Value>& Out,
                        const std::string& Path)
{
    if (N > MaxBatchElements) {
        return Status::Invalid(Path + ": " + std::to_string(N) + " elements exceed the limit of " +
                               std::to_string(MaxBatchElements));
    }
    Out.assign(N, v1::Value());
    if (IsTensorSpace(Space) || Space.has_discrete()) {
        bool bDiscrete = Space.has_discrete();
        v1::Dtype Dtype = bDiscrete ? DiscreteDtype(Space.discrete()) : ElementDtype(Space);
        std::vector<int64_t> Shape = bDiscrete ? std::vector<int64_t>{} : ElementShape(Space);
        std::vector<int64_t> BatchShape = Shape;
        BatchShape.insert(BatchShape.begin(), static_cast<int64_t>(N));
        Status Expected = ExpectTensor(Batch, Dtype, BatchShape, Path);
        if (!Expected.Ok()) return Expected;
        const Bytes& Data = Batch.tensor().data;
        size_t Stride = N == 0 ? 0 : Data.size() / N;
        for (size_t I = 0; I < N; ++I) {
            if (bDiscrete) {
                if (!IsIntegerDtype(Dtype)) return Status::Invalid(Path + ": Discrete dtype is not an integer dtype");
                Out[I].set_int_value(ReadInteger(Dtype, Data.data(), I));
                continue;
            }
            Bytes Element(Data.begin() + static_cast<std::ptrdiff_t>(I * Stride),
                          Data.begin() + static_cast<std::ptrdiff_t>((I + 1) * Stride));
            *Out[I].mutable_tensor() = MakeTensorOfBytes(Dtype, std::move(Element), Shape);
        }
        return Status::Success();
    }
    if (Space.has_tuple()) {
        const std::vector<v1::Space>& Parts = Space.tuple().spaces;
        if (!Batch.has_tuple_value() || Batch.tuple_value().items.size() != Parts.size()) {
            return Wrong(Path, "a tuple_value of " + std::to_string(Parts.size()) + " parts", Batch);
        }
        for (size_t I = 0; I < N; ++I) Out[I].mutable_tuple_value();
        std::vector<v1::Value> Column;
        for (size_t P = 0; P < Parts.size(); ++P) {
            Status Part = UnbatchUnchecked(Parts[P], Batch.tuple_value().items[P], N, Column,
                                           Path + "[" + std::to_string(P) + "]");
            if (!Part.Ok()) return Part;
            for (size_t I = 0; I < N; ++I) Out[I].mutable_tuple_value()->items.push_back(std::move(Column[I]));
        }
        return Status::Success();
    }
    if (Space.has_dict()) {
        if (!Batch.has_map_value()) return Wrong(Path, "a map_value", Batch);
        Status Keys = CheckKeys(Space.dict(), Batch.map_value(), Path);
        if (!Keys.Ok()) return Keys;
        for (size_t I = 0; I < N; ++I) Out[I].mutable_map_value();
        std::vector<v1::Value> Column;
        for (const v1::DictSpaceEntry& Entry : Space.dict().entries) {
            Status Part = UnbatchUnchecked(Entry.space(), *Get(Batch, Entry.key), N, Column,
                                           Path + "['" + Entry.key + "']");
            if (!Part.Ok()) return Part;
            for (size_t I = 0; I < N; ++I) {
                v1::ValueMapEntry Item;
                Item.key = Entry.key;
                *Item.mutable_value() = std::move(Column[I]);
                Out[I].mutable_map_value()->entries.push_back(std::move(Item));
            }
        }
        return Status::Success();
    }
    if (Space.kind_case() == SpaceKind::NotSet) return Status::Invalid(Path + ": space has no kind");
    if (!Batch.has_list_value() || Batch.list_value().items.size() != N) {
        return Wrong(Path, "a list_value of " + std::to_string(N) + " elements", Batch);
    }
    Out = Batch.list_value().items;
    return Status::Success();
}

Status CheckGraph(const v1::GraphSpace& Graph, const v1::GraphValue& G, const std::string& Path)
{
    if (!G.has_nodes() || G.nodes().shape.empty() || G.nodes().shape[0] < 0) {
        return Status::Invalid(Path + ".nodes: expected a tensor [num_nodes, ...]");
    }
    size_t NumNodes = static_cast<size_t>(G.nodes().shape[0]);
    std::vector<v1::Value> Items;
    Status Nodes = Unbatch(Graph.node_space(), TensorValue(G.nodes()), NumNodes, Items, Path + ".nodes");
    if (!Nodes.Ok()) return Nodes;
    int64_t NumEdges = 0;
    if (G.has_edge_links()) {
        const v1::Tensor& Links = G.edge_links();
        NumEdges = Links.shape.empty() ? -1 : Links.shape[0];
        v1::Dtype LinkDtype = Links.dtype == v1::Dtype::Int32 ? v1::Dtype::Int32 : v1::Dtype::Int64;
        Status Checked = ExpectTensor(TensorValue(Links), LinkDtype, {NumEdges, 2}, Path + ".edge_links");
        if (!Checked.Ok()) return Checked;
        for (size_t I = 0; I < static_cast<size_t>(2 * NumEdges); ++I) {
            int64_t End = ReadInteger(LinkDtype, Links.data.data(), I);
            if (End < 0 || static_cast<size_t>(End) >= NumNodes) {
                return Status::Invalid(Path + ".edge_links: node " + std::to_string(End) + " is outside 0.." +
                                       std::to_string(static_cast<int64_t>(NumNodes) - 1));
            }
        }
    }
    if (!Graph.has_edge_space()) {
        if (G.has_edges()) return Status::Invalid(Path + ".edges: the space has no edge features");
        return Status::Success();
    }
    if (!G.has_edges()) return Status::Invalid(Path + ".edges: missing");
    return Unbatch(Graph.edge_space(), TensorValue(G.edges()), static_cast<size_t>(std::max<int64_t>(NumEdges, 0)),
                   Items, Path + ".edges");
}

Status BatchUnchecked(const v1::Space& Space, const std::vector<const v1::Value*>& Elements, v1::Value& Out)
{
    size_t N = Elements.size();
    Out.Clear();
    if (IsTensorSpace(Space)) {
        v1::Tensor* Result = Out.mutable_tensor();
        Result->dtype = ElementDtype(Space);
        Result->shape = ElementShape(Space);
        Result->shape.insert(Result->shape.begin(), static_cast<int64_t>(N));
        size_t Total = 0;
        for (const v1::Value* Element : Elements) Total += Element->tensor().data.size();
        Result->data.reserve(Total);
        for (const v1::Value* Element : Elements) {
            const Bytes& Part = Element->tensor().data;
            Result->data.insert(Result->data.end(), Part.begin(), Part.end());
        }
        return Status::Success();
    }
    if (Space.has_discrete()) {
        v1::Dtype Dtype = DiscreteDtype(Space.discrete());
        size_t Size = ItemSize(Dtype);
        if (!IsIntegerDtype(Dtype)) return Status::Invalid("Discrete dtype is not an integer dtype");
        Bytes Data(N * Size);
        for (size_t I = 0; I < N; ++I) {
            int64_t V = Elements[I]->int_value();
            std::memcpy(Data.data() + I * Size, &V, Size);  // little-endian: the low bytes
        }
        *Out.mutable_tensor() = MakeTensorOfBytes(Dtype, std::move(Data), {static_cast<int64_t>(N)});
        return Status::Success();
    }
    if (Space.has_tuple()) {
        v1::ValueList* Parts = Out.mutable_tuple_value();
        const std::vector<v1::Space>& Spaces = Space.tuple().spaces;
        Parts->items.resize(Spaces.size());
        std::vector<const v1::Value*> Column(N);
        for (size_t P = 0; P < Spaces.size(); ++P) {
            for (size_t I = 0; I < N; ++I) Column[I] = &Elements[I]->tuple_value().items[P];
            Status Part = BatchUnchecked(Spaces[P], Column, Parts->items[P]);
            if (!Part.Ok()) return Part;
        }
        return Status::Success();
    }
    if (Space.has_dict()) {
        v1::ValueMap* Map = Out.mutable_map_value();
        std::vector<const v1::Value*> Column(N);
        for (const v1::DictSpaceEntry& Entry : Space.dict().entries) {
            for (size_t I = 0; I < N; ++I) Column[I] = Get(*Elements[I], Entry.key);
            v1::ValueMapEntry Item;
            Item.key = Entry.key;
            Status Part = BatchUnchecked(Entry.space(), Column, *Item.mutable_value());
            if (!Part.Ok()) return Part;
            Map->entries.push_back(std::move(Item));
        }
        return Status::Success();
    }
    v1::ValueList* List = Out.mutable_list_value();
    for (const v1::Value* Element : Elements) List->items.push_back(*Element);
    return Status::Success();
}

}  // namespace

Status CheckElement(const v1::Space& Space, const v1::Value& Element, const std::string& Path, bool bCheckContents)
{
    switch (Space.kind_case()) {
        case SpaceKind::Box: {
            Status Expected = ExpectTensor(Element, Space.box().dtype, Space.box().shape, Path);
            if (!Expected.Ok() || !bCheckContents) return Expected;
            return CheckBounds(Element.tensor(), Space.box(), Path);
        }
        case SpaceKind::Discrete: {
            if (!Element.has_int_value()) return Wrong(Path, "an int_value", Element);
            const v1::DiscreteSpace& D = Space.discrete();
            int64_t V = Element.int_value();
            // Compare without overflow: V - start may not fit int64.
            bool bBelow = V < D.start;
            bool bAbove = !bBelow && static_cast<uint64_t>(V) - static_cast<uint64_t>(D.start) >=
                                         static_cast<uint64_t>(D.n < 0 ? 0 : D.n);
            if (bCheckContents && (bBelow || bAbove)) {
                return Status::Invalid(Path + ": " + std::to_string(V) + " is outside Discrete(" + std::to_string(D.n) +
                                       ", start=" + std::to_string(D.start) + ")");
            }
            return Status::Success();
        }
        case SpaceKind::MultiDiscrete: {
            const v1::MultiDiscreteSpace& Multi = Space.multi_discrete();
            Status Expected = ExpectTensor(Element, Multi.nvec().dtype, Multi.nvec().shape, Path);
            if (!Expected.Ok() || !bCheckContents) return Expected;
            const v1::Tensor& X = Element.tensor();
            size_t Count = X.data.size() / std::max<size_t>(1, ItemSize(X.dtype));
            if (Multi.start().data.size() != X.data.size() || Multi.nvec().data.size() != X.data.size()) {
                return Status::Success();
            }
            for (size_t I = 0; I < Count; ++I) {
                int64_t V = ReadInteger(X.dtype, X.data.data(), I);
                int64_t S = ReadInteger(X.dtype, Multi.start().data.data(), I);
                int64_t N = ReadInteger(X.dtype, Multi.nvec().data.data(), I);
                if (V < S || V - S >= N) {
                    return Status::Invalid(Path + ": element " + std::to_string(I) + " = " + std::to_string(V) +
                                           " is outside [" + std::to_string(S) + ", " + std::to_string(S + N) + ")");
                }
            }
            return Status::Success();
        }
        case SpaceKind::MultiBinary: {
            Status Expected = ExpectTensor(Element, v1::Dtype::Int8, Space.multi_binary().shape, Path);
            if (!Expected.Ok() || !bCheckContents) return Expected;
            const Bytes& X = Element.tensor().data;
            for (size_t I = 0; I < X.size(); ++I) {
                if (X[I] > 1) {
                    return Status::Invalid(Path + ": MultiBinary element " + std::to_string(I) + " is not 0 or 1");
                }
            }
            return Status::Success();
        }
        case SpaceKind::Text: {
            if (!Element.has_string_value()) return Wrong(Path, "a string_value", Element);
            if (!bCheckContents) return Status::Success();
            return CheckText(Space.text(), Element.string_value(), Path);
        }
        case SpaceKind::Tuple: {
            const std::vector<v1::Space>& Parts = Space.tuple().spaces;
            if (!Element.has_tuple_value() || Element.tuple_value().items.size() != Parts.size()) {
                return Wrong(Path, "a tuple_value of " + std::to_string(Parts.size()) + " parts", Element);
            }
            for (size_t P = 0; P < Parts.size(); ++P) {
                Status Part = CheckElement(Parts[P], Element.tuple_value().items[P], Path + "[" + std::to_string(P) + "]",
                                           bCheckContents);
                if (!Part.Ok()) return Part;
            }
            return Status::Success();
        }
        case SpaceKind::Dict: {
            if (!Element.has_map_value()) return Wrong(Path, "a map_value", Element);
            Status Keys = CheckKeys(Space.dict(), Element.map_value(), Path);
            if (!Keys.Ok()) return Keys;
            for (const v1::DictSpaceEntry& Entry : Space.dict().entries) {
                Status Part = CheckElement(Entry.space(), *Get(Element, Entry.key), Path + "['" + Entry.key + "']",
                                           bCheckContents);
                if (!Part.Ok()) return Part;
            }
            return Status::Success();
        }
        case SpaceKind::Sequence: {
            const v1::SequenceSpace& Sequence = Space.sequence();
            if (Sequence.stack) {
                size_t Length = 0;
                Status Counted = BatchLength(Sequence.feature_space(), Element, Path, Length);
                if (!Counted.Ok()) return Counted;
                std::vector<v1::Value> Items;
                return Unbatch(Sequence.feature_space(), Element, Length, Items, Path);
            }
            if (!Element.has_list_value() && !Element.has_tuple_value()) return Wrong(Path, "a list_value", Element);
            const std::vector<v1::Value>& Items =
                Element.has_list_value() ? Element.list_value().items : Element.tuple_value().items;
            for (size_t I = 0; I < Items.size(); ++I) {
                Status Item = CheckElement(Sequence.feature_space(), Items[I], Path + "[" + std::to_string(I) + "]",
                                           bCheckContents);
                if (!Item.Ok()) return Item;
            }
            return Status::Success();
        }
        case SpaceKind::Graph:
            if (!Element.has_graph_value()) return Wrong(Path, "a graph_value", Element);
            return CheckGraph(Space.graph(), Element.graph_value(), Path);
        case SpaceKind::OneOf: {
            if (!Element.has_one_of_value()) return Wrong(Path, "a one_of_value", Element);
            int64_t Index = Element.one_of_value().index;
            int64_t Count = static_cast<int64_t>(Space.one_of().spaces.size());
            if (Index < 0 || Index >= Count) {
                return Status::Invalid(Path + ": OneOf index " + std::to_string(Index) + " is outside 0.." +
                                       std::to_string(Count - 1));
            }
            return CheckElement(Space.one_of().spaces[static_cast<size_t>(Index)], Element.one_of_value().value(),
                                Path + "[" + std::to_string(Index) + "]", bCheckContents);
        }
        case SpaceKind::NotSet:
            break;
    }
    return Status::Invalid(Path + ": space has no kind");
}

Status Batch(const v1::Space& Space, const std::vector<v1::Value>& Elements, v1::Value& Out, const std::string& Path,
             bool bCheckContents)
{
    std::vector<const v1::Value*> Pointers;
    Pointers.reserve(Elements.size());
    for (size_t I = 0; I < Elements.size(); ++I) {
        Status Element = CheckElement(Space, Elements[I], Path + "[" + std::to_string(I) + "]", bCheckContents);
        if (!Element.Ok()) return Element;
        Pointers.push_back(&Elements[I]);
    }
    return BatchUnchecked(Space, Pointers, Out);
}

Status Unbatch(const v1::Space& Space, const v1::Value& Batch, size_t N, std::vector<v1::Value>& Out,
               const std::string& Path)
{
    Status Split = UnbatchUnchecked(Space, Batch, N, Out, Path);
    if (!Split.Ok()) return Split;
    for (size_t I = 0; I < N; ++I) {
        Status Element = CheckElement(Space, Out[I], Path + "[" + std::to_string(I) + "]");
        if (!Element.Ok()) return Element;
    }
    return Status::Success();
}

}  // namespace rlay
