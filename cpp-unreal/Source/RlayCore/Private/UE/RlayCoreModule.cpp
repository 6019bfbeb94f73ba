// The one Unreal-only file of RlayCore (CMake skips Private/UE/): the module itself.
#include "Modules/ModuleManager.h"

IMPLEMENT_MODULE(FDefaultModuleImpl, RlayCore)
