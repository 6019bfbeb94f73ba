// The multi-agent glue against the stand-in engine: FRlayAgentRoster's life cycle
// (decision intervals, ends and respawns, agents leaving and joining) and a trainer that
// drives a multi-agent game through the subsystem over a socket.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "FakeTrainer.h"
#include "RlayAgentComponent.h"
#include "RlayAgentRoster.h"
#include "RlayAgentSession.h"
#include "RlaySpaces.h"
#include "RlaySubsystem.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace
{
/// A walker moves by its Discrete(3, start=-1) action and observes its position; it ends
/// (terminated) when it reaches EndAt.
class UWalkerAgent : public URlayAgentComponent
{
public:
	int64 Position = 0;
	int64 EndAt = 1000;
	int32 Episodes = 0;
	uint64 LastSeed = 0;

	void DescribeSpaces(rlay::v1::Space& Observation, rlay::v1::Space& Action) const override
	{
		Observation = rlay::BoxSpace(rlay::v1::Dtype::Int64, -1000, 1000, {1});
		Action = rlay::DiscreteSpace(3, -1);
	}
	void CollectObservation(rlay::v1::Value& Out) override
	{
		Out = rlay::TensorValue(rlay::MakeTensor<int64_t>({Position}));
	}
	void ApplyAction(const rlay::v1::Value& Action) override
	{
		Position += Action.int_value();
		AddReward(static_cast<float>(Action.int_value()));
		if (Position == EndAt)
		{
			EndEpisode(true);
		}
	}
	void OnEpisodeBegin_Implementation(int64 Seed, bool bHasSeed) override
	{
		Position = 0;
		++Episodes;
		LastSeed = bHasSeed ? static_cast<uint64>(Seed) : 0;
	}
};

/// A watcher with a float Box action and observation.
class UWatcherAgent : public URlayAgentComponent
{
public:
	UWatcherAgent() { ObservationSize = 2; }
	void DescribeSpaces(rlay::v1::Space& Observation, rlay::v1::Space& Action) const override
	{
		Observation = rlay::BoxSpace(rlay::v1::Dtype::Float32, -1, 1, {2});
		Action = rlay::BoxSpace(rlay::v1::Dtype::Float32, -1, 1, {2});
	}
	void OnEpisodeBegin_Implementation(int64 Seed, bool bHasSeed) override
	{
		(void)Seed;
		(void)bHasSeed;
	}
};

template <typename T>
T* MakeAgent(AActor& Actor, const TCHAR* Behavior, int32 DecisionInterval = 1)
{
	T* Agent = Actor.CreateDefaultSubobject<T>(TEXT("Agent"));
	Agent->BehaviorName = Behavior;
	Agent->DecisionInterval = DecisionInterval;
	return Agent;
}

/// What a reply says of each reported agent.
struct FSeen
{
	double Reward = 0;
	bool bEnded = false;
	bool bLive = false;
	int64 Position = 0;
};

std::map<size_t, FSeen> Seen(const rlay::AgentReports& Reports)
{
	std::map<size_t, FSeen> Out;
	for (const rlay::AgentReport& Report : Reports.All())
	{
		FSeen Each;
		Each.Reward = Report.Reward;
		Each.bEnded = Report.bTerminated || Report.bTruncated;
		Each.bLive = Report.bLive;
		if (Report.Observation.has_tensor() && Report.Observation.tensor().dtype == rlay::v1::Dtype::Int64)
		{
			std::vector<int64_t> Position;
			rlay::CopyTensor(Report.Observation.tensor(), Position);
			Each.Position = Position[0];
		}
		Out[Report.Agent] = Each;
	}
	return Out;
}

std::vector<rlay::AgentAction> Moves(const FRlayAgentRoster& Roster, int64 Move)
{
	std::vector<rlay::AgentAction> Actions;
	for (int32 I = 0; I < Roster.Slots().Num(); ++I)
	{
		if (!Roster.IsLive(I))
		{
			continue;
		}
		rlay::AgentAction Action;
		Action.Agent = static_cast<size_t>(I);
		Action.Action = Roster.Slots()[I].Behavior == FString(TEXT("walker"))
			? rlay::IntValue(Move)
			: rlay::TensorValue(rlay::MakeTensor<float>({0.5f, 0.5f}));
		Actions.push_back(Action);
	}
	return Actions;
}

struct FRosterGame
{
	AActor Actor;
	TArray<URlayAgentComponent*> Agents;
	UWalkerAgent* Walker0 = nullptr;
	UWalkerAgent* Walker1 = nullptr;
	UWatcherAgent* Watcher = nullptr;
	FRlayAgentRoster Roster;

	FRosterGame()
	{
		Walker0 = MakeAgent<UWalkerAgent>(Actor, TEXT("walker"));
		Watcher = MakeAgent<UWatcherAgent>(Actor, TEXT("watcher"), 2);
		Walker1 = MakeAgent<UWalkerAgent>(Actor, TEXT("walker"));
		Walker1->AgentName = TEXT("scout");
		Agents = {Walker0, Watcher, Walker1};
	}
	~FRosterGame()
	{
		for (URlayAgentComponent* Agent : Agents)
		{
			delete Agent;
		}
	}
	std::map<size_t, FSeen> Step(int64 Move, int32 MaxTicks = 10)
	{
		rlay::AgentReports Reports;
		Roster.StartStep(Moves(Roster, Move));
		for (int32 Tick = 0; Tick < MaxTicks; ++Tick)
		{
			if (Roster.EndTick(Reports))
			{
				return Seen(Reports);
			}
		}
		ADD_FAILURE() << "the step was not answered in " << MaxTicks << " ticks";
		return {};
	}
};
}  // namespace

TEST(AgentRoster, DeclaresBehavioursAndNamesInRegistrationOrder)
{
	FRosterGame Game;
	EXPECT_TRUE(FRlayAgentRoster::IsMultiAgent(Game.Agents));
	FString Error;
	ASSERT_TRUE(Game.Roster.Build(Game.Agents, Error)) << *Error;
	rlay::v1::EnvSpec Spec = rlay::MultiAgentSpec("game");
	Game.Roster.Describe(Spec);
	ASSERT_EQ(Spec.behaviors.size(), 2u);
	EXPECT_EQ(Spec.behaviors[0].name, "walker");
	EXPECT_EQ(Spec.behaviors[1].name, "watcher");
	ASSERT_EQ(Spec.agents.size(), 3u);
	EXPECT_EQ(Spec.agents[0].name, "walker_0");
	EXPECT_EQ(Spec.agents[1].name, "watcher_0");
	EXPECT_EQ(Spec.agents[2].name, "scout");
	EXPECT_EQ(Spec.agents[2].behavior, "walker");
	// The core accepts what the glue declares.
	rlay::AgentSession Session;
	EXPECT_TRUE(Session.Open(Spec).Ok());

	Game.Watcher->BehaviorName = TEXT("walker");  // other spaces under one behaviour
	EXPECT_FALSE(Game.Roster.Build(Game.Agents, Error));
	Game.Watcher->BehaviorName = TEXT("watcher");
	Game.Watcher->AgentName = TEXT("scout");
	EXPECT_FALSE(Game.Roster.Build(Game.Agents, Error));
	EXPECT_NE(Error.Wide().find(L"scout"), std::wstring::npos);
	TArray<URlayAgentComponent*> Single = {Game.Walker0};
	Game.Walker0->BehaviorName = FString();
	EXPECT_FALSE(FRlayAgentRoster::IsMultiAgent(Single));
}

TEST(AgentRoster, DecisionIntervalsEndsAndRespawns)
{
	FRosterGame Game;
	FString Error;
	ASSERT_TRUE(Game.Roster.Build(Game.Agents, Error)) << *Error;
	Game.Walker1->EndAt = 2;
	rlay::AgentReports Reset;
	Game.Roster.Reset(10, Reset);
	ASSERT_EQ(Reset.All().size(), 3u);
	EXPECT_EQ(Game.Walker0->LastSeed, 10u);
	EXPECT_EQ(Game.Walker1->LastSeed, 12u);  // seed + index

	// Step 1: everyone acts; the watcher decides every other step.
	std::map<size_t, FSeen> One = Game.Step(1);
	ASSERT_EQ(One.size(), 3u);
	EXPECT_EQ(One[0].Reward, 1.0);
	EXPECT_EQ(One[0].Position, 1);
	EXPECT_TRUE(One[0].bLive);
	EXPECT_FALSE(One[1].bLive);
	EXPECT_FALSE(Game.Roster.IsLive(1));
	EXPECT_TRUE(Game.Roster.IsAlive(1));

	// Step 2: the scout reaches 2 and ends; the watcher decides again (reported, live).
	std::map<size_t, FSeen> Two = Game.Step(1);
	ASSERT_EQ(Two.size(), 3u);
	EXPECT_TRUE(Two[2].bEnded);
	EXPECT_FALSE(Two[2].bLive);
	EXPECT_EQ(Two[2].Position, 2);  // its final observation
	EXPECT_TRUE(Two[1].bLive);
	EXPECT_EQ(Game.Walker1->Episodes, 1);

	// Step 3: the scout respawns (a new episode, reward 0, live).
	std::map<size_t, FSeen> Three = Game.Step(1);
	ASSERT_EQ(Three.count(2), 1u);
	EXPECT_TRUE(Three[2].bLive);
	EXPECT_FALSE(Three[2].bEnded);
	EXPECT_EQ(Three[2].Reward, 0.0);
	EXPECT_EQ(Three[2].Position, 0);
	EXPECT_EQ(Game.Walker1->Episodes, 2);
}

TEST(AgentRoster, AgentsLeaveAndJoin)
{
	FRosterGame Game;
	FString Error;
	ASSERT_TRUE(Game.Roster.Build(Game.Agents, Error)) << *Error;
	rlay::AgentReports Reset;
	Game.Roster.Reset(std::nullopt, Reset);
	Game.Step(1);
	// walker_0 leaves between steps: the next reply reports it truncated, once.
	Game.Roster.Leave(Game.Walker0);
	std::map<size_t, FSeen> Left = Game.Step(1);
	ASSERT_EQ(Left.count(0), 1u);
	EXPECT_TRUE(Left[0].bEnded);
	EXPECT_FALSE(Left[0].bLive);
	EXPECT_EQ(Left[0].Position, 1);  // it did not move after leaving
	std::map<size_t, FSeen> Later = Game.Step(1);
	EXPECT_EQ(Later.count(0), 0u);
	// A new walker without a name takes the free place of its behaviour and spawns.
	AActor Other;
	UWalkerAgent* Newcomer = MakeAgent<UWalkerAgent>(Other, TEXT("walker"));
	EXPECT_TRUE(Game.Roster.Join(Newcomer));
	EXPECT_EQ(Game.Roster.Slots()[0].Agent, Newcomer);
	std::map<size_t, FSeen> Joined = Game.Step(1);
	ASSERT_EQ(Joined.count(0), 1u);
	EXPECT_TRUE(Joined[0].bLive);
	EXPECT_EQ(Newcomer->Episodes, 1);
	// No free place for a second one.
	UWalkerAgent* Extra = MakeAgent<UWalkerAgent>(Other, TEXT("walker"));
	EXPECT_FALSE(Game.Roster.Join(Extra));
	delete Extra;
	Game.Roster.Leave(Newcomer);
	delete Newcomer;
}

TEST(AgentRoster, AStepSpansTicksUntilSomeoneDecidesAndEndsWhenNobodyCan)
{
	AActor Actor;
	UWalkerAgent* Slow = MakeAgent<UWalkerAgent>(Actor, TEXT("walker"), 3);
	Slow->EndAt = 3;
	TArray<URlayAgentComponent*> Agents = {Slow};
	FRlayAgentRoster Roster;
	Roster.bRespawnEndedAgents = false;
	FString Error;
	ASSERT_TRUE(Roster.Build(Agents, Error));
	rlay::AgentReports Reports;
	Roster.Reset(std::nullopt, Reports);
	Reports.Clear();
	Roster.StartStep(Moves(Roster, 1));
	EXPECT_FALSE(Roster.EndTick(Reports));  // tick 1: not deciding
	EXPECT_FALSE(Roster.EndTick(Reports));  // tick 2
	EXPECT_TRUE(Roster.EndTick(Reports));   // tick 3: decides again
	ASSERT_EQ(Reports.All().size(), 1u);
	EXPECT_TRUE(Reports.All()[0].bLive);
	// It ends at 3 and does not respawn: the reply after which nobody is live ends the episode.
	Slow->Position = 2;
	Reports.Clear();
	Roster.StartStep(Moves(Roster, 1));
	EXPECT_TRUE(Roster.EndTick(Reports));
	ASSERT_EQ(Reports.All().size(), 1u);
	EXPECT_TRUE(Reports.All()[0].bTerminated);
	EXPECT_FALSE(Roster.IsAlive(0));
	delete Slow;
}

TEST(Subsystem, ATrainerDrivesAMultiAgentGame)
{
	UWorld World;
	UGameInstance GameInstance;
	World.OwningGameInstance = &GameInstance;
	GameInstance.StubWorld = &World;
	URlaySubsystem* Subsystem = NewObject<URlaySubsystem>(&GameInstance);
	GameInstance.Subsystem = Subsystem;
	FSubsystemCollectionBase Collection;
	Subsystem->Initialize(Collection);
	FRlayLaunchOptions Launch;
	Launch.ListenPort = 0;
	Subsystem->SetLaunchOptions(Launch);
	AActor Actor;
	UWalkerAgent* Walker = MakeAgent<UWalkerAgent>(Actor, TEXT("walker"));
	UWatcherAgent* Watcher = MakeAgent<UWatcherAgent>(Actor, TEXT("watcher"), 2);
	for (URlayAgentComponent* Agent : {static_cast<URlayAgentComponent*>(Walker), static_cast<URlayAgentComponent*>(Watcher)})
	{
		Agent->StubWorld = &World;
		Agent->BeginPlay();
	}
	Subsystem->Tick(0.016f);
	ASSERT_TRUE(Subsystem->IsMultiAgent());
	const FString Address = Subsystem->GetListenAddress();
	ASSERT_FALSE(Address.IsEmpty()) << *Subsystem->GetStatusText();

	std::atomic<bool> bDone{false};
	rlay::v1::ErrorCode Refusal = rlay::v1::ErrorCode::Unspecified;
	rlay::v1::SessionResponse Hello, Reset, First, Second;
	std::thread TrainerThread([&] {
		rlay::Address Where;
		std::string Error;
		rlay::Address::Parse(TCHAR_TO_UTF8(*Address), Where, Error);
		rlay::v1::SessionRequest Request;
		Request.mutable_hello()->mutable_protocol_version()->major = 1;
		{
			// A single-agent trainer is refused (the link then serves the next one).
			FFakeTrainer Single;
			if (rlay::Dial(Where, 5000, Single.Link, Error)) Refusal = Single.Call(Request).error().code;
		}
		FFakeTrainer Trainer;
		if (!rlay::Dial(Where, 5000, Trainer.Link, Error))
		{
			bDone = true;
			return;
		}
		Request.mutable_hello()->mutable_protocol_version()->minor = 1;
		Request.mutable_hello()->capabilities = {"multi_agent"};
		Hello = Trainer.Call(Request);
		Request.Clear();
		Request.mutable_reset()->seeds.emplace_back();
		Request.mutable_reset()->seeds.back().set_value(4);
		Reset = Trainer.Call(Request);
		auto Step = [&](bool bWatcher) {
			rlay::v1::SessionRequest StepRequest;
			rlay::v1::AgentActions Walkers;
			Walkers.behavior = "walker";
			Walkers.agents = {"walker_0"};
			*Walkers.mutable_actions() = rlay::TensorValue(rlay::MakeTensor<int64_t>({1}));
			StepRequest.mutable_step()->agent_actions.push_back(Walkers);
			if (bWatcher)
			{
				rlay::v1::AgentActions Watchers;
				Watchers.behavior = "watcher";
				Watchers.agents = {"watcher_0"};
				*Watchers.mutable_actions() = rlay::TensorValue(rlay::MakeTensor<float>({0.5f, 0.5f}, {1, 2}));
				StepRequest.mutable_step()->agent_actions.push_back(Watchers);
			}
			return Trainer.Call(StepRequest);
		};
		First = Step(true);
		Second = Step(false);  // the watcher is not deciding at step 1
		Request.Clear();
		Request.mutable_close();
		Trainer.Call(Request);
		bDone = true;
	});
	const rlay::Deadline Until = rlay::Deadline::After(60000);
	while (!bDone && !Until.Expired())
	{
		Subsystem->Tick(0.02f);
		if (!Subsystem->IsTrainerConnected()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	TrainerThread.join();

	EXPECT_EQ(Refusal, rlay::v1::ErrorCode::CapabilityRequired);
	ASSERT_TRUE(Hello.has_hello()) << Hello.ToJson();
	EXPECT_EQ(Hello.hello().env_spec().agents.size(), 2u);
	ASSERT_TRUE(Reset.has_reset()) << Reset.ToJson();
	EXPECT_EQ(Reset.reset().agents.size(), 2u);
	EXPECT_EQ(Walker->LastSeed, 4u);
	ASSERT_TRUE(First.has_step()) << First.ToJson();
	ASSERT_EQ(First.step().agents.size(), 2u);
	std::vector<bool> Live;
	rlay::CopyTensor(First.step().agents[1].live(), Live);
	EXPECT_EQ(Live, std::vector<bool>{false});  // the watcher decides every other step
	ASSERT_TRUE(Second.has_step()) << Second.ToJson();
	std::vector<int64_t> Position;
	rlay::CopyTensor(Second.step().agents[0].observations().tensor(), Position);
	EXPECT_EQ(Position, std::vector<int64_t>{2});
	ASSERT_EQ(Second.step().agents.size(), 2u);  // the watcher became live again
	Walker->EndPlay(EEndPlayReason::Quit);
	Watcher->EndPlay(EEndPlayReason::Quit);
	Subsystem->Deinitialize();
	delete Walker;
	delete Watcher;
	delete Subsystem;
}
