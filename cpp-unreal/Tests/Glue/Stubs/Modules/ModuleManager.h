#pragma once
#include "CoreMinimal.h"
#define IMPLEMENT_MODULE(Impl, Name)
class FDefaultModuleImpl {};
