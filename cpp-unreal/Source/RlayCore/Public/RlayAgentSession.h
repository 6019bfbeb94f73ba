// Multi-agent envs (protocol 1.1, docs/protocol.md "Multi-agent envs"): named agents
// grouped by behaviour, each live when it needs an action. EnvSession drives an env
// through IMultiAgentEnvironment instead of Reset/Step when the EnvSpec from Open lists
// agents; AgentSession holds the rules (who is live, one action per live agent, the
// per-behaviour batches).
//
//     class FArena : public rlay::IMultiAgentEnvironment {
//         Status ResetAgents(std::optional<uint64_t> Seed, const v1::Value* Options, AgentReports& Out) override
//         {
//             Out.Live(0, ObservationOf(0), rlay::EmptyMap());
//             return Status::Success();
//         }
//         Status StepAgents(const std::vector<AgentAction>& Actions, AgentReports& Out) override
//         {
//             for (const AgentAction& Action : Actions) Apply(Action.Agent, Action.Action);
//             Out.Step(0, ObservationOf(0), 1.0, false, false, v1::Value(), true);
//             return Status::Success();
//         }
//     };
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "RlayEnvSession.h"

namespace rlay {

/// The capability an agent side lists when it can drive a multi-agent env.
RLAYCORE_API extern const char* const MultiAgentCapability;

/// True when the spec declares agents (the env is multi-agent).
RLAYCORE_API bool IsMultiAgent(const v1::EnvSpec& Spec);

/// A multi-agent EnvSpec to fill with behaviors and agents: num_envs 1,
/// AUTORESET_MODE_DISABLED, no single-agent spaces, metadata an empty map.
RLAYCORE_API v1::EnvSpec MultiAgentSpec(const std::string& EnvId);

/// One live agent's action.
struct RLAYCORE_API AgentAction {
    /// The agent's index in EnvSpec.agents.
    size_t Agent = 0;
    /// Element form of its behaviour's action space, already checked.
    v1::Value Action;
};

/// What the env says of one agent in a reply.
struct RLAYCORE_API AgentReport {
    size_t Agent = 0;
    v1::Value Observation;
    double Reward = 0.0;
    bool bTerminated = false;
    bool bTruncated = false;
    /// A map_value, or a Value with no kind for an empty info.
    v1::Value Info;
    bool bLive = false;
};

/// The agents an env reports in one reply; the session clears it before each command.
class RLAYCORE_API AgentReports {
public:
    /// An agent that is live after a reset (or became live in a step, reward 0).
    void Live(size_t Agent, v1::Value Observation, v1::Value Info);
    /// An agent's state after a step; an ended agent is never live.
    void Step(size_t Agent, v1::Value Observation, double Reward, bool bTerminated, bool bTruncated, v1::Value Info,
              bool bLive);
    void Clear() { Reports.clear(); }
    /// The reports in the order given.
    std::vector<AgentReport>& All() { return Reports; }
    const std::vector<AgentReport>& All() const { return Reports; }

private:
    std::vector<AgentReport> Reports;
};

/// A multi-agent env. The session checks the actions (one per live agent, none for
/// others, each in its behaviour's action space) before StepAgents, tracks who is live
/// from the reports, builds the batches, and refuses a step once no agent is live until
/// the next reset. Per step the env reports every agent that acted, every agent that
/// ended, and every agent that became live; each at most once.
class RLAYCORE_API IMultiAgentEnvironment : public IEnvironment {
public:
    /// Starts a new episode; reports every agent live at its start. Options is a map_value or nullptr.
    virtual Status ResetAgents(std::optional<uint64_t> Seed, const v1::Value* Options, AgentReports& Out) = 0;
    /// Applies one action per live agent (in agent order) and reports what happened.
    virtual Status StepAgents(const std::vector<AgentAction>& Actions, AgentReports& Out) = 0;

    // The single-agent entry points are never called for a multi-agent env.
    Status Reset(const ResetArgs& Args, ResetResult& Result) override;
    Status Step(const std::vector<v1::Value>& Actions, StepResult& Result) override;
    IMultiAgentEnvironment* AsMultiAgent() override { return this; }
};

/// The multi-agent rules of one session: checks the spec, checks each step's actions
/// against who is live, turns the env's reports into per-behaviour batches.
class RLAYCORE_API AgentSession {
public:
    /// Checks the spec's agents and behaviours; an EnvError status when they break the rules.
    Status Open(const v1::EnvSpec& Spec);
    Status Reset(IMultiAgentEnvironment& Env, std::optional<uint64_t> Seed, const v1::Value* Options,
                 v1::ResetResponse& Reply);
    Status Step(IMultiAgentEnvironment& Env, const v1::StepRequest& Request, v1::StepResponse& Reply);
    /// The names of the agents live now.
    std::vector<std::string> LiveAgents() const;

private:
    Status CollectActions(const v1::StepRequest& Request);
    Status Build(std::vector<v1::AgentBatch>& Batches, bool bStepReply);

    const v1::EnvSpec* Spec = nullptr;
    std::unordered_map<std::string, size_t> AgentIndex;
    std::unordered_map<std::string, size_t> BehaviorIndex;
    std::vector<size_t> BehaviorOf;
    std::vector<bool> LiveNow;
    std::vector<bool> Given;
    std::vector<AgentAction> Actions;
    std::vector<v1::Value> Items;
    AgentReports Reports;
    bool bHasReset = false;
};

}  // namespace rlay
