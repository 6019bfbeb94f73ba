// Spaces (space.proto): builders with Gymnasium's names and defaults.
//
//     v1::Space Observation = rlay::BoxSpace(v1::Dtype::Float32, -4.8, 4.8, {4});
//     v1::Space Action = rlay::DiscreteSpace(2);
//     v1::Space Both = rlay::DictSpace({{"pos", Observation}, {"act", Action}});
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "RlaySpace.g.h"
#include "RlayStatus.h"

namespace rlay {

/// A Box whose bounds are broadcast to Shape. Integer bounds beyond the dtype (as
/// +-infinity for an unbounded integer Box) store the dtype's limit; use BoxOfBounds
/// with explicit tensors for int64/uint64 extremes that a double cannot hold.
RLAYCORE_API v1::Space BoxSpace(v1::Dtype Dtype, double Low, double High, std::vector<int64_t> Shape = {});
/// A Box with per-element bounds (same dtype and shape).
RLAYCORE_API v1::Space BoxOfBounds(v1::Tensor Low, v1::Tensor High);
RLAYCORE_API v1::Space DiscreteSpace(int64_t N, int64_t Start = 0);
/// MultiDiscrete of int64 elements; Shape defaults to [len(Nvec)], Start to zeros.
RLAYCORE_API v1::Space MultiDiscreteSpace(std::vector<int64_t> Nvec, std::vector<int64_t> Start = {},
                                          std::vector<int64_t> Shape = {});
RLAYCORE_API v1::Space MultiBinarySpace(std::vector<int64_t> Shape);
/// Gymnasium's default charset: the 62 ASCII letters and digits.
RLAYCORE_API extern const char* const Alphanumeric;
RLAYCORE_API v1::Space TextSpace(int64_t MaxLength, int64_t MinLength = 1, std::string Charset = Alphanumeric);
RLAYCORE_API v1::Space TupleSpace(std::vector<v1::Space> Spaces);
/// Keys keep the order given.
RLAYCORE_API v1::Space DictSpace(std::vector<std::pair<std::string, v1::Space>> Entries);
RLAYCORE_API v1::Space SequenceSpace(v1::Space FeatureSpace, bool bStack = false);
RLAYCORE_API v1::Space GraphSpace(v1::Space NodeSpace, v1::Space EdgeSpace);
RLAYCORE_API v1::Space GraphSpace(v1::Space NodeSpace);
RLAYCORE_API v1::Space OneOfSpace(std::vector<v1::Space> Spaces);

/// A Space's kind in Gymnasium's words ("Box", "Dict", ...).
RLAYCORE_API const char* SpaceKindName(const v1::Space& Space);

}  // namespace rlay
