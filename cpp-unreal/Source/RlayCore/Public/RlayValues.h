// Values (value.proto): builders for infos, observations and call results, and lookups.
//
//     v1::Value Info = rlay::MapOf({{"step", rlay::IntValue(T)}, {"label", rlay::StringValue("x")}});
//     const v1::Value* Step = rlay::Get(Info, "step");
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "RlayValue.g.h"

namespace rlay {

RLAYCORE_API v1::Value NoneValue();
RLAYCORE_API v1::Value BoolValue(bool Value);
RLAYCORE_API v1::Value IntValue(int64_t Value);
RLAYCORE_API v1::Value FloatValue(double Value);
RLAYCORE_API v1::Value StringValue(std::string Value);
RLAYCORE_API v1::Value TensorValue(v1::Tensor Tensor);
RLAYCORE_API v1::Value ListOf(std::vector<v1::Value> Items);
RLAYCORE_API v1::Value TupleOf(std::vector<v1::Value> Items);
/// A map_value with the keys in the order given.
RLAYCORE_API v1::Value MapOf(std::vector<std::pair<std::string, v1::Value>> Entries);
RLAYCORE_API v1::Value EmptyMap();
RLAYCORE_API v1::Value GraphOf(v1::Tensor Nodes, v1::Tensor Edges, v1::Tensor EdgeLinks);
RLAYCORE_API v1::Value GraphOf(v1::Tensor Nodes, v1::Tensor EdgeLinks);
RLAYCORE_API v1::Value OneOfValue(int64_t Index, v1::Value Value);

/// The entry of a map_value, or nullptr (also when Map is not a map_value).
RLAYCORE_API const v1::Value* Get(const v1::Value& Map, const std::string& Key);
/// "int_value", "tensor", ... or "None" for a Value with no kind.
RLAYCORE_API const char* KindName(const v1::Value& Value);
/// True for a map_value with no entries or a Value with no kind.
RLAYCORE_API bool IsEmptyInfo(const v1::Value& Value);
/// Moves Infos onto Target as a reply's infos: nothing when every info is empty (the
/// protocol's "empty list"), else one map_value each (a Value with no kind becomes {}).
RLAYCORE_API void AppendInfos(std::vector<v1::Value>& Target, std::vector<v1::Value>& Infos);

}  // namespace rlay
