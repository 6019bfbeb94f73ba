// A fake engine loop around the real glue: a game instance with the rlay subsystem and
// CartPole agents, ticked frame after frame as Unreal ticks them (actors, then the
// tickable subsystem after PostPhysics). Tests/Glue/smoke_test.py drives it from Python.
//
//   SmokeHost [--agents N] [--port P] [--seconds S]
// Listens on 127.0.0.1:P (printing READY <address>) unless RLAY_ADDRESS / -RlayAddress=
// name a trainer to dial; a dialling host exits when its trainer leaves.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "CartPoleAgent.h"
#include "RlaySubsystem.h"

namespace
{
volatile std::sig_atomic_t bTerminate = 0;
void OnSignal(int) { bTerminate = 1; }
}  // namespace

int main(int Argc, char** Argv)
{
	int32 NumAgents = 1;
	int32 Port = 0;
	double Seconds = 120.0;
	std::wstring CommandLine;
	for (int I = 1; I < Argc; ++I)
	{
		std::string Option = Argv[I];
		if (Option == "--agents" && I + 1 < Argc) NumAgents = std::atoi(Argv[++I]);
		else if (Option == "--port" && I + 1 < Argc) Port = std::atoi(Argv[++I]);
		else if (Option == "--seconds" && I + 1 < Argc) Seconds = std::atof(Argv[++I]);
		else CommandLine += std::wstring(UTF8_TO_TCHAR(Argv[I])) + L" ";
	}
	std::signal(SIGTERM, OnSignal);
	std::signal(SIGINT, OnSignal);
	std::signal(SIGPIPE, SIG_IGN);
	FCommandLine::Set(CommandLine.c_str());

	UWorld World;
	UGameInstance GameInstance;
	World.OwningGameInstance = &GameInstance;
	GameInstance.StubWorld = &World;
	URlaySubsystem* Subsystem = NewObject<URlaySubsystem>(&GameInstance);
	Subsystem->GameInstance = &GameInstance;
	GameInstance.Subsystem = Subsystem;
	FSubsystemCollectionBase Collection;
	Subsystem->Initialize(Collection);
	FRlayLaunchOptions Launch = FRlayLaunchOptions::FromProcess();
	if (Launch.DialAddress.IsEmpty()) Launch.ListenPort = Port;
	Subsystem->SetLaunchOptions(Launch);
	Subsystem->EnvId = TEXT("rlay-unreal/CartPole");
	Subsystem->RegisterCall(TEXT("agents"), [NumAgents](const rlay::v1::Value&, rlay::v1::Value& Result, FString&) {
		Result.set_int_value(NumAgents);
		return true;
	});

	std::vector<AActor*> Actors;
	for (int32 I = 0; I < NumAgents; ++I)
	{
		AActor* Actor = NewObject<AActor>(&World);
		UCartPoleAgent* Agent = Actor->CreateDefaultSubobject<UCartPoleAgent>(TEXT("CartPole"));
		Agent->StubWorld = &World;
		Actors.push_back(Actor);
		Agent->BeginPlay();
	}

	bool bAnnounced = false;
	bool bWasConnected = false;
	const auto Start = std::chrono::steady_clock::now();
	while (!bTerminate && std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count() < Seconds)
	{
		const float Delta = static_cast<float>(FApp::UseFixedTimeStep() ? FApp::GetFixedDeltaTime() : 1.0 / 60.0);
		for (AActor* Actor : Actors) Actor->Tick(Delta);
		Subsystem->Tick(Delta);
		if (!bAnnounced && Launch.DialAddress.IsEmpty() && !Subsystem->GetListenAddress().IsEmpty())
		{
			std::printf("READY %s\n", TCHAR_TO_UTF8(*Subsystem->GetListenAddress()));
			std::fflush(stdout);
			bAnnounced = true;
		}
		bWasConnected = bWasConnected || Subsystem->IsTrainerConnected();
		if (Launch.bLaunchedByTrainer && bWasConnected && !Subsystem->IsTrainerConnected()) break;
		if (!Subsystem->IsTrainerConnected()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
	}
	for (AActor* Actor : Actors)
	{
		static_cast<UCartPoleAgent*>(Actor->Components.front())->EndPlay(EEndPlayReason::Quit);
	}
	Subsystem->Deinitialize();
	return 0;
}
