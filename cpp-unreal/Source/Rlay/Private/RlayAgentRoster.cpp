#include "RlayAgentRoster.h"

#include "RlayAgentComponent.h"

namespace
{
// A step that finds nobody deciding after this many ticks answers anyway.
constexpr int32 MaxTicksPerStep = 10000;

std::string Utf8(const FString& Text)
{
	return std::string(TCHAR_TO_UTF8(*Text));
}
}  // namespace

const TCHAR* const FRlayAgentRoster::DefaultBehavior = TEXT("Agent");

bool FRlayAgentRoster::IsMultiAgent(const TArray<URlayAgentComponent*>& Agents)
{
	for (const URlayAgentComponent* Agent : Agents)
	{
		if (Agent != nullptr && !Agent->BehaviorName.IsEmpty())
		{
			return true;
		}
	}
	return false;
}

bool FRlayAgentRoster::Build(const TArray<URlayAgentComponent*>& Agents, FString& Error)
{
	AgentSlots.Reset();
	TArray<FString> Behaviors;
	std::vector<int32> Counts;
	for (URlayAgentComponent* Agent : Agents)
	{
		FRlayAgentSlot Slot;
		Slot.Agent = Agent;
		Slot.Behavior = Agent->BehaviorName.IsEmpty() ? FString(DefaultBehavior) : Agent->BehaviorName;
		int32 B = 0;
		while (B < Behaviors.Num() && Behaviors[B] != Slot.Behavior)
		{
			++B;
		}
		if (B == Behaviors.Num())
		{
			Behaviors.Add(Slot.Behavior);
			Counts.push_back(0);
		}
		Slot.Name = Agent->AgentName.IsEmpty() ? Slot.Behavior + TEXT("_") + FString::FromInt(Counts[static_cast<size_t>(B)])
											   : Agent->AgentName;
		++Counts[static_cast<size_t>(B)];
		Slot.DecisionInterval = Agent->DecisionInterval > 1 ? Agent->DecisionInterval : 1;
		for (const FRlayAgentSlot& Other : AgentSlots)
		{
			if (Other.Name == Slot.Name)
			{
				Error = FString(TEXT("two agents are named ")) + Slot.Name;
				return false;
			}
		}
		AgentSlots.Add(Slot);
	}
	const size_t N = static_cast<size_t>(AgentSlots.Num());
	Alive.assign(N, false);
	Live.assign(N, false);
	EverAlive.assign(N, false);
	EndedThisStep.assign(N, false);
	Acted.assign(N, false);
	Ticks.assign(N, 0);
	Pending.assign(N, std::nullopt);
	rlay::v1::EnvSpec Probe;
	Describe(Probe);
	for (const rlay::v1::BehaviorSpec& Behavior : Probe.behaviors)
	{
		if (Behavior.name.empty())
		{
			Error = TEXT("agents of one behaviour declare different spaces");
			return false;
		}
	}
	return true;
}

void FRlayAgentRoster::Describe(rlay::v1::EnvSpec& Spec) const
{
	for (const FRlayAgentSlot& Slot : AgentSlots)
	{
		rlay::v1::Space Observation;
		rlay::v1::Space Action;
		Slot.Agent->DescribeSpaces(Observation, Action);
		const std::string Behavior = Utf8(Slot.Behavior);
		rlay::v1::BehaviorSpec* Declared = nullptr;
		for (rlay::v1::BehaviorSpec& Each : Spec.behaviors)
		{
			Declared = Each.name == Behavior ? &Each : Declared;
		}
		if (Declared == nullptr)
		{
			Spec.behaviors.emplace_back();
			Declared = &Spec.behaviors.back();
			Declared->name = Behavior;
			*Declared->mutable_observation_space() = Observation;
			*Declared->mutable_action_space() = Action;
		}
		else if (Declared->observation_space().SerializeAsBytes() != Observation.SerializeAsBytes() ||
				 Declared->action_space().SerializeAsBytes() != Action.SerializeAsBytes())
		{
			// Agents of one behaviour share spaces; an unnamed behaviour marks the mismatch for Build.
			Declared->name.clear();
		}
		rlay::v1::AgentSpec Agent;
		Agent.name = Utf8(Slot.Name);
		Agent.behavior = Behavior;
		Spec.agents.push_back(Agent);
	}
}

bool FRlayAgentRoster::Join(URlayAgentComponent* Agent)
{
	const FString Behavior = Agent->BehaviorName.IsEmpty() ? FString(DefaultBehavior) : Agent->BehaviorName;
	for (FRlayAgentSlot& Slot : AgentSlots)
	{
		const bool bFits = Agent->AgentName.IsEmpty() ? Slot.Behavior == Behavior : Slot.Name == Agent->AgentName;
		if (Slot.Agent == nullptr && bFits)
		{
			// It spawns at the end of the next tick of a step.
			Slot.Agent = Agent;
			return true;
		}
	}
	return false;
}

void FRlayAgentRoster::Leave(URlayAgentComponent* Agent)
{
	for (int32 I = 0; I < AgentSlots.Num(); ++I)
	{
		if (AgentSlots[I].Agent != Agent)
		{
			continue;
		}
		const size_t Index = static_cast<size_t>(I);
		if (Alive[Index])
		{
			// Observed now, while the component still exists.
			Merge(I, false, true, false);
			Alive[Index] = false;
			Live[Index] = false;
			EndedThisStep[Index] = true;
		}
		AgentSlots[I].Agent = nullptr;
	}
}

void FRlayAgentRoster::Reset(std::optional<uint64_t> Seed, rlay::AgentReports& Out)
{
	for (int32 I = 0; I < AgentSlots.Num(); ++I)
	{
		const size_t Index = static_cast<size_t>(I);
		Alive[Index] = Live[Index] = EverAlive[Index] = false;
		Pending[Index].reset();
		if (AgentSlots[I].Agent == nullptr)
		{
			continue;
		}
		Spawn(I, Seed.has_value(), Seed.value_or(0) + Index);
		AgentSlots[I].Agent->TakeReward();
		Live[Index] = true;
	}
	// Observed once every agent has begun: an observation may look at the others.
	for (int32 I = 0; I < AgentSlots.Num(); ++I)
	{
		if (Live[static_cast<size_t>(I)])
		{
			rlay::v1::Value Observation;
			AgentSlots[I].Agent->CollectObservation(Observation);
			Out.Live(static_cast<size_t>(I), std::move(Observation), rlay::v1::Value());
		}
	}
}

void FRlayAgentRoster::StartStep(const std::vector<rlay::AgentAction>& Actions)
{
	std::fill(Acted.begin(), Acted.end(), false);
	for (size_t Index = 0; Index < EndedThisStep.size(); ++Index)
	{
		// An agent that left since the last reply is still to be reported: no respawn before.
		EndedThisStep[Index] = Pending[Index].has_value();
	}
	TicksThisStep = 0;
	for (const rlay::AgentAction& Action : Actions)
	{
		URlayAgentComponent* Agent = AgentSlots[static_cast<int32>(Action.Agent)].Agent;
		Acted[Action.Agent] = true;
		if (Agent != nullptr)
		{
			Agent->ApplyAction(Action.Action);
		}
	}
}

bool FRlayAgentRoster::EndTick(rlay::AgentReports& Out, bool bForce)
{
	const int32 N = AgentSlots.Num();
	std::vector<bool> Ended(static_cast<size_t>(N), false);
	for (int32 I = 0; I < N; ++I)
	{
		const size_t Index = static_cast<size_t>(I);
		URlayAgentComponent* Agent = AgentSlots[I].Agent;
		if (!Alive[Index] || Agent == nullptr)
		{
			continue;
		}
		Agent->CountStep();
		++Ticks[Index];
		if (Agent->IsTerminated() || Agent->IsTruncated())
		{
			Merge(I, Agent->IsTerminated(), Agent->IsTruncated(), false);
			Ended[Index] = EndedThisStep[Index] = true;
			Alive[Index] = Live[Index] = false;
		}
	}
	for (int32 I = 0; I < N; ++I)
	{
		const size_t Index = static_cast<size_t>(I);
		if (Alive[Index] || EndedThisStep[Index] || AgentSlots[I].Agent == nullptr)
		{
			continue;
		}
		if (EverAlive[Index] && !bRespawnEndedAgents)
		{
			continue;
		}
		Spawn(I, false, 0);
		AgentSlots[I].Agent->TakeReward();
	}
	bool bAnyLive = false;
	bool bAnyAlive = false;
	for (size_t Index = 0; Index < static_cast<size_t>(N); ++Index)
	{
		Live[Index] = Alive[Index] && Ticks[Index] % AgentSlots[static_cast<int32>(Index)].DecisionInterval == 0;
		bAnyLive = bAnyLive || Live[Index];
		bAnyAlive = bAnyAlive || Alive[Index];
	}
	for (int32 I = 0; I < N; ++I)
	{
		const size_t Index = static_cast<size_t>(I);
		if (Ended[Index] || !Alive[Index])
		{
			continue;
		}
		// Acted in this step, or became live without acting (spawned, deciding again).
		if ((Acted[Index] && TicksThisStep == 0) || Live[Index])
		{
			Merge(I, false, false, Live[Index]);
		}
	}
	++TicksThisStep;
	// Spawns are done, so nobody alive means nobody can be: the episode is over.
	if (!(bAnyLive || !bAnyAlive || bForce || TicksThisStep >= MaxTicksPerStep))
	{
		return false;
	}
	for (size_t Index = 0; Index < Pending.size(); ++Index)
	{
		if (!Pending[Index].has_value())
		{
			continue;
		}
		rlay::AgentReport& Report = *Pending[Index];
		Out.Step(Report.Agent, std::move(Report.Observation), Report.Reward, Report.bTerminated, Report.bTruncated,
			std::move(Report.Info), Live[Index]);
		Pending[Index].reset();
	}
	return true;
}

void FRlayAgentRoster::Spawn(int32 Index, bool bHasSeed, uint64 Seed)
{
	const size_t I = static_cast<size_t>(Index);
	AgentSlots[Index].Agent->BeginEpisode(bHasSeed, Seed);
	Alive[I] = true;
	EverAlive[I] = true;
	Ticks[I] = 0;
}

void FRlayAgentRoster::Merge(int32 Index, bool bTerminated, bool bTruncated, bool bLive)
{
	URlayAgentComponent* Agent = AgentSlots[Index].Agent;
	std::optional<rlay::AgentReport>& Report = Pending[static_cast<size_t>(Index)];
	if (!Report.has_value())
	{
		Report.emplace();
		Report->Agent = static_cast<size_t>(Index);
	}
	Report->Observation.Clear();
	Agent->CollectObservation(Report->Observation);
	Report->Reward += Agent->TakeReward();
	Report->bTerminated = Report->bTerminated || bTerminated;
	Report->bTruncated = Report->bTruncated || bTruncated;
	Report->bLive = bLive;
}
