// Rlay: the Unreal glue around RlayCore (a subsystem that owns the link to the trainer,
// an agent component that describes spaces, collects observations and applies actions).
using UnrealBuildTool;

public class Rlay : ModuleRules
{
	public Rlay(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		PublicDependencyModuleNames.AddRange(new string[] { "Core", "CoreUObject", "Engine", "RlayCore" });
		PrivateDependencyModuleNames.AddRange(new string[] { "Sockets", "Networking" });
	}
}
