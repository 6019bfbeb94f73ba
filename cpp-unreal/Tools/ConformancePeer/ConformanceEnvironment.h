// The conformance environments of conformance/ENVIRONMENTS.md, hosted through RlayCore.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "RlayEnvSession.h"

namespace rlay::conformance {

/// The environment names the suite knows.
const std::vector<std::string>& EnvironmentNames();

/// A fresh instance of the named environment (nullptr for an unknown name).
std::unique_ptr<IEnvironment> MakeEnvironment(const std::string& Name);

}  // namespace rlay::conformance
