// Must not compile with the core's flags (-fno-rtti): CMakeLists.txt checks it.
#include "RlayEnvSession.h"
struct FEnv : rlay::IEnvironment {};
int main()
{
    rlay::IEnvironment* Env = nullptr;
    return dynamic_cast<FEnv*>(Env) == nullptr ? 0 : 1;
}
