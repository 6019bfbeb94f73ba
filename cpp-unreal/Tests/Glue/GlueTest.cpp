// The glue's logic against the stand-in engine: launch options, lockstep stepping with
// the fixed time step taken and restored, named calls, a taken port.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "CartPoleAgent.h"
#include "FakeTrainer.h"
#include "RlaySubsystem.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace
{
struct FFakeGame
{
	UWorld World;
	UGameInstance GameInstance;
	URlaySubsystem* Subsystem = nullptr;
	AActor Actor;
	UCartPoleAgent* Agent = nullptr;

	explicit FFakeGame(int32 Port)
	{
		World.OwningGameInstance = &GameInstance;
		GameInstance.StubWorld = &World;
		Subsystem = NewObject<URlaySubsystem>(&GameInstance);
		GameInstance.Subsystem = Subsystem;
		FSubsystemCollectionBase Collection;
		Subsystem->Initialize(Collection);
		FRlayLaunchOptions Launch;
		Launch.ListenPort = Port;
		Subsystem->SetLaunchOptions(Launch);
		Agent = Actor.CreateDefaultSubobject<UCartPoleAgent>(TEXT("CartPole"));
		Agent->StubWorld = &World;
		Agent->BeginPlay();
	}
	~FFakeGame()
	{
		Agent->EndPlay(EEndPlayReason::Quit);
		Subsystem->Deinitialize();
		delete Agent;
		delete Subsystem;
	}
};

}  // namespace

TEST(LaunchOptions, CommandLineBeatsEnvironment)
{
	FRlayLaunchOptions Options = FRlayLaunchOptions::Parse(
		TEXT("Game.uproject -RlayAddress=tcp://10.0.0.2:6000 -rlayport=7000 -RlayToken=abc"), TEXT("tcp://x:1"), TEXT("env"));
	EXPECT_EQ(Options.DialAddress, FString(TEXT("tcp://10.0.0.2:6000")));
	EXPECT_EQ(Options.ListenPort, 7000);
	EXPECT_EQ(Options.Token, FString(TEXT("abc")));
	EXPECT_TRUE(Options.bLaunchedByTrainer);
	FRlayLaunchOptions FromEnv = FRlayLaunchOptions::Parse(TEXT("-log"), TEXT("unix:///tmp/a.sock"), TEXT("t"));
	EXPECT_EQ(FromEnv.DialAddress, FString(TEXT("unix:///tmp/a.sock")));
	EXPECT_EQ(FromEnv.ListenPort, 5555);
	EXPECT_EQ(FromEnv.Token, FString(TEXT("t")));
	FRlayLaunchOptions Plain = FRlayLaunchOptions::Parse(TEXT(""), FString(), FString());
	EXPECT_TRUE(Plain.DialAddress.IsEmpty());
	EXPECT_FALSE(Plain.bLaunchedByTrainer);
}

TEST(Subsystem, LockstepStepsTakeAndRestoreTheFixedTimeStep)
{
	FApp::SetUseFixedTimeStep(false);
	FApp::SetFixedDeltaTime(1.0 / 30.0);
	FFakeGame Game(0);
	Game.Subsystem->Tick(0.016f);  // starts the link
	const FString Address = Game.Subsystem->GetListenAddress();
	ASSERT_FALSE(Address.IsEmpty()) << *Game.Subsystem->GetStatusText();

	std::atomic<bool> bDone{false};
	std::atomic<bool> bFixedWhileTraining{false};
	std::vector<float> First, Second;
	double Reward = 0;
	double PreviousScale = 0;
	std::thread Trainer([&] {
		FFakeTrainer T;
		rlay::Address Where;
		std::string Error;
		rlay::Address::Parse(TCHAR_TO_UTF8(*Address), Where, Error);
		if (!rlay::Dial(Where, 5000, T.Link, Error))
		{
			bDone = true;
			return;
		}
		rlay::v1::SessionRequest Request;
		Request.mutable_hello()->mutable_protocol_version()->major = 1;
		T.Call(Request);
		Request.Clear();
		Request.mutable_reset()->seeds.emplace_back();
		Request.mutable_reset()->seeds.back().set_value(7);
		rlay::CopyTensor(T.Call(Request).reset().observations().tensor(), First);
		bFixedWhileTraining = FApp::UseFixedTimeStep() && std::abs(FApp::GetFixedDeltaTime() - 0.02) < 1e-9;
		Request.Clear();
		*Request.mutable_step()->mutable_actions() = rlay::TensorValue(rlay::MakeTensor<int64_t>({1}));
		rlay::v1::SessionResponse Step = T.Call(Request);
		rlay::CopyTensor(Step.step().observations().tensor(), Second);
		std::vector<double> Rewards;
		rlay::CopyTensor(Step.step().rewards(), Rewards);
		Reward = Rewards.empty() ? -1 : Rewards[0];
		Request.Clear();
		Request.mutable_call()->name = "time_scale";
		*Request.mutable_call()->mutable_value() = rlay::FloatValue(4.0);
		PreviousScale = T.Call(Request).call().value().float_value();
		Request.Clear();
		Request.mutable_close();
		T.Call(Request);
		bDone = true;
	});
	// Frames until the trainer is done (bounded): a busy machine may start it late.
	const rlay::Deadline Until = rlay::Deadline::After(60000);
	while (!bDone && !Until.Expired())
	{
		Game.Subsystem->Tick(0.02f);
		if (!Game.Subsystem->IsTrainerConnected()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	Trainer.join();
	for (int Frame = 0; Frame < 20 && Game.Subsystem->IsTrainerConnected(); ++Frame)
	{
		Game.Subsystem->Tick(0.02f);
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	ASSERT_EQ(First.size(), 4u);
	ASSERT_EQ(Second.size(), 4u);
	EXPECT_TRUE(bFixedWhileTraining);
	// Pushing right (action 1) accelerates the cart to the right.
	EXPECT_GT(Second[1], First[1]);
	EXPECT_EQ(Reward, 1.0);
	EXPECT_EQ(PreviousScale, 1.0);
	EXPECT_EQ(Game.World.TimeDilation, 4.0f);
	// The trainer left: the game's own timing is back.
	Game.Subsystem->Tick(0.02f);
	EXPECT_FALSE(FApp::UseFixedTimeStep());
	EXPECT_DOUBLE_EQ(FApp::GetFixedDeltaTime(), 1.0 / 30.0);
}

TEST(Subsystem, ATakenPortIsLoggedAndTheGamePlaysOn)
{
	FFakeGame First(0);
	First.Subsystem->Tick(0.016f);
	std::string Address = TCHAR_TO_UTF8(*First.Subsystem->GetListenAddress());
	int32 Port = std::atoi(Address.substr(Address.rfind(':') + 1).c_str());
	FFakeGame Second(Port);
	StubLogLines().clear();
	Second.Subsystem->Tick(0.016f);
	bool bLogged = false;
	for (const std::wstring& Line : StubLogLines())
	{
		bLogged = bLogged || Line.find(L"playing without a trainer") != std::wstring::npos;
	}
	EXPECT_TRUE(bLogged);
	// The heuristic drives the agent: the cart moves.
	double Before = Second.Agent->State[1];
	for (int Frame = 0; Frame < 5; ++Frame) Second.Subsystem->Tick(0.016f);
	EXPECT_NE(Second.Agent->State[1], Before);
}
