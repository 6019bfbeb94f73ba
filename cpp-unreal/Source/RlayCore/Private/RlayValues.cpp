#include "RlayValues.h"

namespace rlay {

v1::Value NoneValue() { return v1::Value(); }

v1::Value BoolValue(bool Value)
{
    v1::Value Result;
    Result.set_bool_value(Value);
    return Result;
}

v1::Value IntValue(int64_t Value)
{
    v1::Value Result;
    Result.set_int_value(Value);
    return Result;
}

v1::Value FloatValue(double Value)
{
    v1::Value Result;
    Result.set_float_value(Value);
    return Result;
}

v1::Value StringValue(std::string Value)
{
    v1::Value Result;
    Result.set_string_value(std::move(Value));
    return Result;
}

v1::Value TensorValue(v1::Tensor Tensor)
{
    v1::Value Result;
    *Result.mutable_tensor() = std::move(Tensor);
    return Result;
}

v1::Value ListOf(std::vector<v1::Value> Items)
{
    v1::Value Result;
    Result.mutable_list_value()->items = std::move(Items);
    return Result;
}

v1::Value TupleOf(std::vector<v1::Value> Items)
{
    v1::Value Result;
    Result.mutable_tuple_value()->items = std::move(Items);
    return Result;
}

v1::Value MapOf(std::vector<std::pair<std::string, v1::Value>> Entries)
{
    v1::Value Result;
    v1::ValueMap* Map = Result.mutable_map_value();
    Map->entries.resize(Entries.size());
    for (size_t I = 0; I < Entries.size(); ++I) {
        Map->entries[I].key = std::move(Entries[I].first);
        *Map->entries[I].mutable_value() = std::move(Entries[I].second);
    }
    return Result;
}

v1::Value EmptyMap()
{
    v1::Value Result;
    Result.mutable_map_value();
    return Result;
}

v1::Value GraphOf(v1::Tensor Nodes, v1::Tensor Edges, v1::Tensor EdgeLinks)
{
    v1::Value Result;
    v1::GraphValue* Graph = Result.mutable_graph_value();
    *Graph->mutable_nodes() = std::move(Nodes);
    *Graph->mutable_edges() = std::move(Edges);
    *Graph->mutable_edge_links() = std::move(EdgeLinks);
    return Result;
}

v1::Value GraphOf(v1::Tensor Nodes, v1::Tensor EdgeLinks)
{
    v1::Value Result;
    v1::GraphValue* Graph = Result.mutable_graph_value();
    *Graph->mutable_nodes() = std::move(Nodes);
    *Graph->mutable_edge_links() = std::move(EdgeLinks);
    return Result;
}

v1::Value OneOfValue(int64_t Index, v1::Value Value)
{
    v1::Value Result;
    v1::OneOfValue* OneOf = Result.mutable_one_of_value();
    OneOf->index = Index;
    *OneOf->mutable_value() = std::move(Value);
    return Result;
}

const v1::Value* Get(const v1::Value& Map, const std::string& Key)
{
    if (!Map.has_map_value()) return nullptr;
    for (const v1::ValueMapEntry& Entry : Map.map_value().entries) {
        if (Entry.key == Key) return &Entry.value();
    }
    return nullptr;
}

const char* KindName(const v1::Value& Value)
{
    using Kind = v1::Value::KindCase;
    switch (Value.kind_case()) {
        case Kind::NotSet: return "None";
        case Kind::BoolValue: return "bool_value";
        case Kind::IntValue: return "int_value";
        case Kind::FloatValue: return "float_value";
        case Kind::StringValue: return "string_value";
        case Kind::BytesValue: return "bytes_value";
        case Kind::Tensor: return "tensor";
        case Kind::ListValue: return "list_value";
        case Kind::TupleValue: return "tuple_value";
        case Kind::MapValue: return "map_value";
        case Kind::GraphValue: return "graph_value";
        case Kind::OneOfValue: return "one_of_value";
    }
    return "unknown";
}

bool IsEmptyInfo(const v1::Value& Value)
{
    if (Value.kind_case() == v1::Value::KindCase::NotSet) return true;
    return Value.has_map_value() && Value.map_value().entries.empty();
}

void AppendInfos(std::vector<v1::Value>& Target, std::vector<v1::Value>& Infos)
{
    // An empty list means "every info is empty": the common case costs nothing.
    bool bAny = false;
    for (const v1::Value& Info : Infos) bAny = bAny || !IsEmptyInfo(Info);
    if (!bAny) return;
    for (v1::Value& Info : Infos) {
        if (Info.kind_case() == v1::Value::KindCase::NotSet) Info.mutable_map_value();
        Target.push_back(std::move(Info));
    }
}

}  // namespace rlay
