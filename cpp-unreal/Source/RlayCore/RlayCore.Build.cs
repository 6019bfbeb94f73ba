// RlayCore: the engine-independent core (protocol codec, framing, transports, spaces,
// tensors, values, the env session). Plain C++17/C++20 with no exceptions and no RTTI,
// so UBT's defaults build it as is; CMake builds the very same files for the tests
// (cpp-unreal/CMakeLists.txt). Only Private/UE/ includes Unreal headers.
using System.IO;
using UnrealBuildTool;

public class RlayCore : ModuleRules
{
	public RlayCore(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		// UBT's defaults, stated: the core returns status values instead of throwing.
		bEnableExceptions = false;
		bUseRTTI = false;
		PublicDependencyModuleNames.Add("Core");
		// The protocol codec generated from proto/rlay/v1 by codegen/ (nox -s generate).
		PublicIncludePaths.Add(Path.Combine(ModuleDirectory, "Generated"));
		if (Target.Platform == UnrealTargetPlatform.Win64)
		{
			PublicSystemLibraries.Add("ws2_32.lib");
		}
	}
}
