// The multi-agent life cycle of a game's agents (protocol 1.1, docs/protocol.md
// "Multi-agent envs"): who is alive, who decides this step, who ended, who spawns,
// respawns, joins or leaves, and what each reply reports. URlaySubsystem drives it once
// per engine tick while a trainer's step is pending.
//
// An agent is alive from the start of its episode to its end (EndEpisode, MaxEpisodeSteps,
// leaving the game); it is live (needs an action) when alive and its ticks since spawning
// are a multiple of its DecisionInterval. An ended agent respawns at a later step when
// bRespawnEndedAgents is set; an agent that left (EndPlay) is reported truncated once, and
// a component of the same behaviour (or AgentName) that registers later takes its place.
// When no agent is live after a tick but some are alive, the step spans more ticks, so
// the trainer never waits on nobody; when none is alive, the reply ends the episode.
#pragma once

#include <optional>
#include <vector>

#include "CoreMinimal.h"
#include "RlayAgentSession.h"

class URlayAgentComponent;

/// One declared agent of a multi-agent game.
struct FRlayAgentSlot
{
	/// The component, or nullptr while the agent is out of the game.
	URlayAgentComponent* Agent = nullptr;
	FString Name;
	FString Behavior;
	int32 DecisionInterval = 1;
};

class RLAY_API FRlayAgentRoster
{
public:
	/// The behaviour agents without a BehaviorName get in a multi-agent game.
	static const TCHAR* const DefaultBehavior;

	/// A game is multi-agent when one of its agents has a BehaviorName.
	static bool IsMultiAgent(const TArray<URlayAgentComponent*>& Agents);

	/// Declares Agents in order: names from AgentName (else Behavior_k), behaviours from
	/// BehaviorName. False with Error when names clash or one behaviour's agents declare
	/// different spaces.
	bool Build(const TArray<URlayAgentComponent*>& Agents, FString& Error);
	/// Adds the behaviours and agents to a spec made by rlay::MultiAgentSpec.
	void Describe(rlay::v1::EnvSpec& Spec) const;

	/// A component registered after the spec was sent: it takes the free place of its
	/// AgentName, or of its behaviour; false when there is none.
	bool Join(URlayAgentComponent* Agent);
	/// A component leaves the game: an alive agent ends (truncated) and is reported in the
	/// next step reply.
	void Leave(URlayAgentComponent* Agent);

	/// Starts every present agent's episode (seed + index when seeded) and reports it live.
	void Reset(std::optional<uint64_t> Seed, rlay::AgentReports& Out);
	/// A trainer's step begins: each live agent applies its action (already checked).
	void StartStep(const std::vector<rlay::AgentAction>& Actions);
	/// The world advanced one tick. True when the step can be answered (Out is then
	/// complete): someone is live, nobody can be, or bForce.
	bool EndTick(rlay::AgentReports& Out, bool bForce = false);

	bool bRespawnEndedAgents = true;
	const TArray<FRlayAgentSlot>& Slots() const { return AgentSlots; }
	bool IsLive(int32 Index) const { return Live[static_cast<size_t>(Index)]; }
	bool IsAlive(int32 Index) const { return Alive[static_cast<size_t>(Index)]; }

private:
	void Spawn(int32 Index, bool bHasSeed, uint64 Seed);
	void Merge(int32 Index, bool bTerminated, bool bTruncated, bool bLive);

	TArray<FRlayAgentSlot> AgentSlots;
	std::vector<bool> Alive, Live, EverAlive, EndedThisStep, Acted;
	std::vector<int32> Ticks;
	std::vector<std::optional<rlay::AgentReport>> Pending;
	int32 TicksThisStep = 0;
};
