// How a game finds its trainer: -RlayAddress= (or RLAY_ADDRESS) to dial a ServerEnv,
// otherwise listen for a ClientEnv on -RlayPort= (default 5555). Engine-independent
// logic on Unreal strings, so it is unit-tested outside the engine.
#pragma once

#include "CoreMinimal.h"

struct RLAY_API FRlayLaunchOptions
{
	/// The ServerEnv to dial (tcp://... or unix://...); empty: listen instead.
	FString DialAddress;
	/// The port to listen on for ClientEnv (0 picks a free one).
	int32 ListenPort = 5555;
	/// Shared secret the trainer must present; empty: none.
	FString Token;
	/// True when the game was launched by a trainer (it gave an address): quit when it leaves.
	bool bLaunchedByTrainer = false;

	/// Reads -RlayAddress=, -RlayPort=, -RlayToken= from CommandLine, then the environment
	/// variables RLAY_ADDRESS and RLAY_TOKEN for what the command line did not give.
	static FRlayLaunchOptions Parse(const TCHAR* CommandLine, const FString& EnvAddress, const FString& EnvToken);
	/// From the process's command line and environment.
	static FRlayLaunchOptions FromProcess();
};
