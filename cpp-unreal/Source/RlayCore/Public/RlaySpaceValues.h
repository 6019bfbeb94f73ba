// Elements and batches of spaces (value.proto's element and batch forms): checking
// that a value belongs to a space, batching per-sub-environment observations and
// splitting a batch of actions. Errors are InvalidArgument, naming the place:
// "actions[0]['aim']: expected dtype float32, got float64".
//
//     std::vector<v1::Value> Actions;
//     rlay::Status Result = rlay::Unbatch(Spec.action_space(), Request.actions(), NumEnvs, Actions);
#pragma once

#include <string>
#include <vector>

#include "RlaySpace.g.h"
#include "RlayStatus.h"
#include "RlayValue.g.h"

namespace rlay {

/// Whether Element is an element of Space; bCheckContents = false checks kinds, dtypes and
/// shapes only (not Box bounds, Discrete ranges, Text charsets).
RLAYCORE_API Status CheckElement(const v1::Space& Space, const v1::Value& Element, const std::string& Path,
                                 bool bCheckContents = true);
/// The batch form of Elements (gymnasium.vector.utils.batch_space), after checking each.
RLAYCORE_API Status Batch(const v1::Space& Space, const std::vector<v1::Value>& Elements, v1::Value& Out,
                          const std::string& Path = "observations", bool bCheckContents = true);
/// Splits the batch form of N elements, checking each element.
RLAYCORE_API Status Unbatch(const v1::Space& Space, const v1::Value& Batch, size_t N, std::vector<v1::Value>& Out,
                            const std::string& Path = "actions");

}  // namespace rlay
