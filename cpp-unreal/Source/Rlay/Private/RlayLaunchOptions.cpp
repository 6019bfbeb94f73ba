#include "RlayLaunchOptions.h"

#include "HAL/PlatformMisc.h"
#include "Misc/CommandLine.h"
#include "Misc/Parse.h"

FRlayLaunchOptions FRlayLaunchOptions::Parse(const TCHAR* CommandLine, const FString& EnvAddress, const FString& EnvToken)
{
	FRlayLaunchOptions Options;
	// FParse::Value matches keys as substrings: these keys are distinct and carry '='.
	FString Address;
	if (FParse::Value(CommandLine, TEXT("-RlayAddress="), Address) && !Address.IsEmpty())
	{
		Options.DialAddress = Address;
	}
	else if (!EnvAddress.IsEmpty())
	{
		Options.DialAddress = EnvAddress;
	}
	int32 Port = 0;
	if (FParse::Value(CommandLine, TEXT("-RlayPort="), Port) && Port >= 0 && Port <= 65535)
	{
		Options.ListenPort = Port;
	}
	FString Token;
	if (FParse::Value(CommandLine, TEXT("-RlayToken="), Token))
	{
		Options.Token = Token;
	}
	else
	{
		Options.Token = EnvToken;
	}
	Options.bLaunchedByTrainer = !Options.DialAddress.IsEmpty();
	return Options;
}

FRlayLaunchOptions FRlayLaunchOptions::FromProcess()
{
	return Parse(FCommandLine::Get(), FPlatformMisc::GetEnvironmentVariable(TEXT("RLAY_ADDRESS")),
		FPlatformMisc::GetEnvironmentVariable(TEXT("RLAY_TOKEN")));
}
