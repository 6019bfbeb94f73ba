#include "RlayAgentSession.h"

#include <algorithm>

#include "RlaySpaceValues.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace rlay {

const char* const MultiAgentCapability = "multi_agent";

namespace {

std::string Quoted(const std::string& Name) { return "'" + Name + "'"; }

}  // namespace

bool IsMultiAgent(const v1::EnvSpec& Spec) { return !Spec.agents.empty(); }

v1::EnvSpec MultiAgentSpec(const std::string& EnvId)
{
    v1::EnvSpec Spec;
    Spec.env_id = EnvId;
    Spec.num_envs = 1;
    Spec.autoreset_mode = v1::AutoresetMode::Disabled;
    *Spec.mutable_metadata() = EmptyMap();
    return Spec;
}

// -- AgentReports ----------------------------------------------------------------------

void AgentReports::Live(size_t Agent, v1::Value Observation, v1::Value Info)
{
    AgentReport Report;
    Report.Agent = Agent;
    Report.Observation = std::move(Observation);
    Report.Info = std::move(Info);
    Report.bLive = true;
    Reports.push_back(std::move(Report));
}

void AgentReports::Step(size_t Agent, v1::Value Observation, double Reward, bool bTerminated, bool bTruncated,
                        v1::Value Info, bool bLive)
{
    AgentReport Report;
    Report.Agent = Agent;
    Report.Observation = std::move(Observation);
    Report.Reward = Reward;
    Report.bTerminated = bTerminated;
    Report.bTruncated = bTruncated;
    Report.Info = std::move(Info);
    Report.bLive = bLive && !bTerminated && !bTruncated;
    Reports.push_back(std::move(Report));
}

// -- IMultiAgentEnvironment ----------------------------------------------------------------

Status IMultiAgentEnvironment::Reset(const ResetArgs& Args, ResetResult& Result)
{
    (void)Args;
    (void)Result;
    return Status::EnvError("a multi-agent env is reset through ResetAgents");
}

Status IMultiAgentEnvironment::Step(const std::vector<v1::Value>& Actions, StepResult& Result)
{
    (void)Actions;
    (void)Result;
    return Status::EnvError("a multi-agent env is stepped through StepAgents");
}

// -- AgentSession ------------------------------------------------------------------------

Status AgentSession::Open(const v1::EnvSpec& InSpec)
{
    Spec = &InSpec;
    AgentIndex.clear();
    BehaviorIndex.clear();
    for (size_t B = 0; B < InSpec.behaviors.size(); ++B) {
        const v1::BehaviorSpec& Behavior = InSpec.behaviors[B];
        if (Behavior.name.empty()) return Status::EnvError("behaviour " + std::to_string(B) + " has no name");
        if (!BehaviorIndex.emplace(Behavior.name, B).second) {
            return Status::EnvError("two behaviours are named " + Quoted(Behavior.name));
        }
        if (!Behavior.has_observation_space() || !Behavior.has_action_space()) {
            return Status::EnvError("behaviour " + Quoted(Behavior.name) + " needs an observation and an action space");
        }
    }
    BehaviorOf.assign(InSpec.agents.size(), 0);
    std::vector<bool> Used(InSpec.behaviors.size(), false);
    for (size_t I = 0; I < InSpec.agents.size(); ++I) {
        const v1::AgentSpec& Agent = InSpec.agents[I];
        if (Agent.name.empty()) return Status::EnvError("agent " + std::to_string(I) + " has no name");
        if (!AgentIndex.emplace(Agent.name, I).second) {
            return Status::EnvError("two agents are named " + Quoted(Agent.name));
        }
        auto Found = BehaviorIndex.find(Agent.behavior);
        if (Found == BehaviorIndex.end()) {
            return Status::EnvError("agent " + Quoted(Agent.name) + " names an undeclared behaviour " +
                                    Quoted(Agent.behavior));
        }
        BehaviorOf[I] = Found->second;
        Used[Found->second] = true;
    }
    for (size_t B = 0; B < Used.size(); ++B) {
        if (!Used[B]) return Status::EnvError("behaviour " + Quoted(InSpec.behaviors[B].name) + " has no agent");
    }
    if (InSpec.has_observation_space() || InSpec.has_action_space()) {
        return Status::EnvError(
            "a multi-agent EnvSpec leaves observation_space and action_space unset (they are per behaviour)");
    }
    if (InSpec.num_envs > 1) return Status::EnvError("a multi-agent env is one env (num_envs 1)");
    if (InSpec.autoreset_mode != v1::AutoresetMode::Disabled &&
        InSpec.autoreset_mode != v1::AutoresetMode::Unspecified) {
        return Status::EnvError("a multi-agent env never resets by itself (AUTORESET_MODE_DISABLED)");
    }
    LiveNow.assign(InSpec.agents.size(), false);
    Given.assign(InSpec.agents.size(), false);
    bHasReset = false;
    return Status::Success();
}

std::vector<std::string> AgentSession::LiveAgents() const
{
    std::vector<std::string> Names;
    for (size_t I = 0; I < LiveNow.size(); ++I) {
        if (LiveNow[I]) Names.push_back(Spec->agents[I].name);
    }
    return Names;
}

Status AgentSession::Reset(IMultiAgentEnvironment& Env, std::optional<uint64_t> Seed, const v1::Value* Options,
                           v1::ResetResponse& Reply)
{
    Reports.Clear();
    Actions.clear();
    Status Result = Env.ResetAgents(Seed, Options, Reports);
    if (!Result.Ok()) return Result;
    Result = Build(Reply.agents, false);
    if (!Result.Ok()) return Result;
    bHasReset = true;
    return Status::Success();
}

Status AgentSession::Step(IMultiAgentEnvironment& Env, const v1::StepRequest& Request, v1::StepResponse& Reply)
{
    if (!bHasReset) return Status::Error(v1::ErrorCode::FailedPrecondition, "step before the first reset");
    if (std::find(LiveNow.begin(), LiveNow.end(), true) == LiveNow.end()) {
        return Status::Error(v1::ErrorCode::FailedPrecondition, "the episode is over (no agent is live): reset first");
    }
    if (Request.has_actions() && Request.actions().kind_case() != v1::Value::KindCase::NotSet) {
        return Status::Invalid("actions: a multi-agent env takes agent_actions, not actions");
    }
    Status Result = CollectActions(Request);
    if (!Result.Ok()) return Result;
    Reports.Clear();
    Result = Env.StepAgents(Actions, Reports);
    if (!Result.Ok()) return Result;
    return Build(Reply.agents, true);
}

Status AgentSession::CollectActions(const v1::StepRequest& Request)
{
    Actions.clear();
    std::fill(Given.begin(), Given.end(), false);
    for (size_t E = 0; E < Request.agent_actions.size(); ++E) {
        const v1::AgentActions& Entry = Request.agent_actions[E];
        std::string Path = "agent_actions[" + std::to_string(E) + "]";
        auto Behavior = BehaviorIndex.find(Entry.behavior);
        if (Behavior == BehaviorIndex.end()) {
            return Status::Invalid(Path + ": unknown behaviour " + Quoted(Entry.behavior));
        }
        if (Entry.agents.empty()) continue;  // allowed, means nothing
        size_t B = Behavior->second;
        Status Split = Unbatch(Spec->behaviors[B].action_space(), Entry.actions(), Entry.agents.size(), Items,
                               Path + ".actions");
        if (!Split.Ok()) return Split;
        for (size_t K = 0; K < Entry.agents.size(); ++K) {
            const std::string& Name = Entry.agents[K];
            auto Found = AgentIndex.find(Name);
            if (Found == AgentIndex.end()) return Status::Invalid(Path + ": unknown agent " + Quoted(Name));
            size_t I = Found->second;
            if (BehaviorOf[I] != B) {
                return Status::Invalid(Path + ": agent " + Quoted(Name) + " has behaviour " +
                                       Quoted(Spec->agents[I].behavior) + ", not " + Quoted(Entry.behavior));
            }
            if (!LiveNow[I]) {
                return Status::Invalid(Path + ": agent " + Quoted(Name) +
                                       " is not live (it ended, is not deciding now, or has not spawned)");
            }
            if (Given[I]) return Status::Invalid(Path + ": agent " + Quoted(Name) + " has two actions");
            Given[I] = true;
            AgentAction Action;
            Action.Agent = I;
            Action.Action = std::move(Items[K]);
            Actions.push_back(std::move(Action));
        }
    }
    for (size_t I = 0; I < LiveNow.size(); ++I) {
        if (LiveNow[I] && !Given[I]) {
            return Status::Invalid("agent_actions: no action for live agent " + Quoted(Spec->agents[I].name));
        }
    }
    std::sort(Actions.begin(), Actions.end(),
              [](const AgentAction& A, const AgentAction& B) { return A.Agent < B.Agent; });
    return Status::Success();
}

Status AgentSession::Build(std::vector<v1::AgentBatch>& Batches, bool bStepReply)
{
    const size_t N = Spec->agents.size();
    const size_t None = static_cast<size_t>(-1);
    std::vector<size_t> ByAgent(N, None);
    std::vector<AgentReport>& All = Reports.All();
    for (size_t R = 0; R < All.size(); ++R) {
        size_t I = All[R].Agent;
        if (I >= N) {
            return Status::EnvError("the env reported agent " + std::to_string(I) + ", which the spec does not declare");
        }
        if (ByAgent[I] != None) {
            return Status::EnvError("the env reported agent " + Quoted(Spec->agents[I].name) + " twice in one reply");
        }
        if (All[R].Observation.kind_case() == v1::Value::KindCase::NotSet) {
            return Status::EnvError("the env reported agent " + Quoted(Spec->agents[I].name) + " without an observation");
        }
        ByAgent[I] = R;
    }
    if (bStepReply) {
        for (const AgentAction& Acted : Actions) {
            if (ByAgent[Acted.Agent] == None) {
                return Status::EnvError("the env did not report agent " + Quoted(Spec->agents[Acted.Agent].name) +
                                        ", which acted");
            }
        }
    }
    // Who is live changes only when the whole reply is good.
    std::vector<bool> NextLive(N, false);
    std::vector<v1::AgentBatch> Built;
    std::vector<v1::Value> Observations;
    std::vector<v1::Value> Infos;
    std::vector<double> Rewards;
    std::vector<bool> Terminated, Truncated, Live;
    for (size_t B = 0; B < Spec->behaviors.size(); ++B) {
        v1::AgentBatch Batch;
        Observations.clear();
        Infos.clear();
        Rewards.clear();
        Terminated.clear();
        Truncated.clear();
        Live.clear();
        for (size_t I = 0; I < N; ++I) {
            if (BehaviorOf[I] != B || ByAgent[I] == None) continue;
            AgentReport& Report = All[ByAgent[I]];
            Batch.agents.push_back(Spec->agents[I].name);
            Observations.push_back(std::move(Report.Observation));
            Infos.push_back(std::move(Report.Info));
            Rewards.push_back(Report.Reward);
            Terminated.push_back(Report.bTerminated);
            Truncated.push_back(Report.bTruncated);
            Live.push_back(bStepReply ? Report.bLive : true);
            NextLive[I] = Live.back();
        }
        if (Batch.agents.empty()) continue;
        Batch.behavior = Spec->behaviors[B].name;
        Status Batched =
            rlay::Batch(Spec->behaviors[B].observation_space(), Observations, *Batch.mutable_observations(),
                        "observations", false);
        if (!Batched.Ok()) {
            return Status::EnvError("behaviour " + Quoted(Batch.behavior) +
                                    ": the env's observation does not fit its space: " + Batched.Message);
        }
        AppendInfos(Batch.infos, Infos);
        if (bStepReply) {
            *Batch.mutable_rewards() = MakeTensor(Rewards);
            *Batch.mutable_terminated() = MakeTensor(Terminated);
            *Batch.mutable_truncated() = MakeTensor(Truncated);
            *Batch.mutable_live() = MakeTensor(Live);
        }
        Built.push_back(std::move(Batch));
    }
    LiveNow = std::move(NextLive);
    Batches = std::move(Built);
    return Status::Success();
}

}  // namespace rlay
