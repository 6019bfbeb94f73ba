// The `multi-agent` conformance environment (conformance/ENVIRONMENTS.md section 8).
#pragma once

#include <memory>

#include "RlayAgentSession.h"

namespace rlay::conformance {

/// Runners that die and respawn, scouts that decide every other step, runner_2 spawning late.
std::unique_ptr<IEnvironment> MakeMultiAgentEnvironment();

}  // namespace rlay::conformance
