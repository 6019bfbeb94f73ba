// The draws of conformance/ENVIRONMENTS.md section 1 (mixer, key, action digest, the
// canonical element bytes), shared by every conformance environment of this peer.
#pragma once

#include <cstdint>

#include "RlaySpace.g.h"
#include "RlayValue.g.h"

namespace rlay::conformance {

/// The key of a fresh sub-environment.
constexpr uint64_t K0 = 0x0123456789ABCDEFull;
/// The action digest's start (32-bit FNV-1a offset basis).
constexpr uint32_t FnvBasis = 0x811C9DC5u;

/// splitmix64's output function.
uint64_t Mix(uint64_t X);
/// D(x, j) = mix(x + j).
uint64_t D(uint64_t X, int J);
/// U(x, j, n) = (D(x, j) >> 33) % n, in [0, n).
int64_t U(uint64_t X, int J, int64_t N);
/// 32-bit FNV-1a of Data, continuing from Acc.
uint32_t Fold(uint32_t Acc, const Bytes& Data);
/// Appends the canonical element bytes of X, an element of Space.
void ElementBytes(const v1::Space& Space, const v1::Value& X, Bytes& Out);

}  // namespace rlay::conformance
