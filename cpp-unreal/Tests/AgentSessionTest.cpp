// The multi-agent rules (protocol 1.1) of AgentSession, driven with the conformance
// suite's multi-agent environment: the appendix's check values, every refused step
// leaving the episode unchanged, the spec rules, and an env that misreports.
#include <gtest/gtest.h>

#include <map>

#include "MultiAgentEnvironment.h"
#include "RlaySpaces.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace {

using rlay::v1::ErrorCode;

struct FEpisode {
    std::unique_ptr<rlay::IEnvironment> Env = rlay::conformance::MakeMultiAgentEnvironment();
    rlay::v1::EnvSpec Spec;
    rlay::AgentSession Session;

    rlay::IMultiAgentEnvironment& Multi() { return *Env->AsMultiAgent(); }
    void Open()
    {
        ASSERT_NE(Env->AsMultiAgent(), nullptr);
        ASSERT_TRUE(Env->Open("", Spec).Ok());
        rlay::Status Opened = Session.Open(Spec);
        ASSERT_TRUE(Opened.Ok()) << Opened.Message;
    }
    rlay::Status Reset(uint64_t Seed, rlay::v1::ResetResponse& Reply)
    {
        return Session.Reset(Multi(), Seed, nullptr, Reply);
    }
    rlay::Status Step(const rlay::v1::StepRequest& Request, rlay::v1::StepResponse& Reply)
    {
        return Session.Step(Multi(), Request, Reply);
    }
};

/// The appendix's actions: every live runner moves +1, every live scout [0.5, -0.5].
rlay::v1::StepRequest AppendixActions(const std::vector<std::string>& Live)
{
    rlay::v1::StepRequest Request;
    rlay::v1::AgentActions Runners, Scouts;
    Runners.behavior = "runner";
    Scouts.behavior = "scout";
    std::vector<int64_t> Moves;
    std::vector<float> Views;
    for (const std::string& Name : Live) {
        if (Name.rfind("runner", 0) == 0) {
            Runners.agents.push_back(Name);
            Moves.push_back(1);
        } else {
            Scouts.agents.push_back(Name);
            Views.insert(Views.end(), {0.5f, -0.5f});
        }
    }
    *Runners.mutable_actions() = rlay::TensorValue(rlay::MakeTensor(Moves));
    *Scouts.mutable_actions() = rlay::TensorValue(
        rlay::MakeTensor(Views, {static_cast<int64_t>(Scouts.agents.size()), 2}));
    // Scouts first: the order of entries does not matter.
    Request.agent_actions = {Scouts, Runners};
    return Request;
}

struct FReported {
    std::vector<std::string> Agents;
    std::map<std::string, double> Rewards;
    std::vector<std::string> Ended;
};

FReported Collect(const rlay::v1::StepResponse& Reply, const rlay::v1::EnvSpec& Spec)
{
    FReported Out;
    std::map<std::string, std::pair<double, bool>> ByName;
    for (const rlay::v1::AgentBatch& Batch : Reply.agents) {
        std::vector<double> Rewards;
        std::vector<bool> Terminated, Truncated;
        EXPECT_TRUE(rlay::CopyTensor(Batch.rewards(), Rewards).Ok());
        EXPECT_TRUE(rlay::CopyTensor(Batch.terminated(), Terminated).Ok());
        EXPECT_TRUE(rlay::CopyTensor(Batch.truncated(), Truncated).Ok());
        for (size_t K = 0; K < Batch.agents.size(); ++K) {
            ByName[Batch.agents[K]] = {Rewards[K], Terminated[K] || Truncated[K]};
        }
    }
    // In spec order, as the appendix prints them.
    for (const rlay::v1::AgentSpec& Agent : Spec.agents) {
        auto Found = ByName.find(Agent.name);
        if (Found == ByName.end()) continue;
        Out.Agents.push_back(Agent.name);
        Out.Rewards[Agent.name] = Found->second.first;
        if (Found->second.second) Out.Ended.push_back(Agent.name);
    }
    return Out;
}

}  // namespace

TEST(AgentSession, AnEpisodeMatchesTheCheckValues)
{
    FEpisode Episode;
    Episode.Open();
    EXPECT_TRUE(rlay::IsMultiAgent(Episode.Spec));
    rlay::v1::ResetResponse Reset;
    ASSERT_TRUE(Episode.Reset(0, Reset).Ok());
    ASSERT_EQ(Reset.agents.size(), 2u);
    EXPECT_EQ(Reset.agents[0].behavior, "runner");
    EXPECT_EQ(Reset.agents[0].agents, (std::vector<std::string>{"runner_0", "runner_1"}));
    EXPECT_FALSE(Reset.agents[0].has_rewards());
    EXPECT_FALSE(Reset.agents[0].has_live());
    std::vector<int32_t> Runners;
    ASSERT_TRUE(rlay::CopyTensor(Reset.agents[0].observations().tensor(), Runners).Ok());
    EXPECT_EQ(Runners, (std::vector<int32_t>{0, 0, -42, 0, 0, 39}));
    ASSERT_EQ(Reset.agents[0].infos.size(), 2u);
    EXPECT_EQ(rlay::Get(Reset.agents[0].infos[0], "key_hi")->int_value(), 2802244911);
    EXPECT_EQ(Reset.agents[1].agents, (std::vector<std::string>{"scout_0", "scout_1"}));
    EXPECT_TRUE(Reset.agents[1].infos.empty());  // every scout info is empty
    std::vector<float> Views;
    ASSERT_TRUE(rlay::CopyTensor(rlay::Get(Reset.agents[1].observations(), "view")->tensor(), Views).Ok());
    EXPECT_EQ(Views, (std::vector<float>{-7.25f, 7.0f, 1.5f, -1.5f}));

    // ENVIRONMENTS.md's appendix, t = 1 .. 8.
    const std::vector<std::vector<double>> Rewards = {
        {0.25, 0.125, 0.25, 0.125, 0.0}, {0.5, 0.25, 0.5, 0.25, 0.25}, {1.75, 0.375, 1.75, 0.375, 0.5},
        {0.5, 0.5, 0.75},                {0.0, 0.625, 0.0, 0.625, 2.0}, {0.25, 0.75, 0.25, 0.75},
        {0.5, 0.875, 0.5, 0.875, 0.0},   {1.75, 1.0, 1.75, 1.0, 0.25}};
    const std::vector<std::vector<std::string>> Live = {
        {"runner_0", "runner_1", "runner_2"}, {"runner_0", "scout_0", "runner_1", "scout_1", "runner_2"},
        {"runner_2"},                         {"scout_0", "scout_1", "runner_2"},
        {"runner_0", "runner_1"},             {"runner_0", "scout_0", "runner_1", "scout_1"},
        {"runner_0", "runner_1", "runner_2"}, {}};
    const std::vector<size_t> EndedCount = {0, 0, 2, 0, 1, 0, 0, 5};
    for (size_t T = 0; T < 8; ++T) {
        rlay::v1::StepResponse Reply;
        rlay::Status Stepped = Episode.Step(AppendixActions(Episode.Session.LiveAgents()), Reply);
        ASSERT_TRUE(Stepped.Ok()) << "t=" << T + 1 << ": " << Stepped.Message;
        FReported Reported = Collect(Reply, Episode.Spec);
        std::vector<double> Got;
        for (const std::string& Name : Reported.Agents) Got.push_back(Reported.Rewards[Name]);
        EXPECT_EQ(Got, Rewards[T]) << "t=" << T + 1;
        EXPECT_EQ(Reported.Ended.size(), EndedCount[T]) << "t=" << T + 1;
        EXPECT_EQ(Episode.Session.LiveAgents(), Live[T]) << "t=" << T + 1;
    }
    // No live agent: the episode is over until the next reset.
    rlay::v1::StepResponse After;
    EXPECT_EQ(Episode.Step(rlay::v1::StepRequest(), After).Code, ErrorCode::FailedPrecondition);
    rlay::v1::ResetResponse Again;
    ASSERT_TRUE(Episode.Reset(0, Again).Ok());
    EXPECT_EQ(Episode.Session.LiveAgents().size(), 4u);
}

TEST(AgentSession, WrongActionsAreRefusedAndChangeNothing)
{
    FEpisode Episode;
    Episode.Open();
    rlay::v1::StepResponse Reply;
    EXPECT_EQ(Episode.Step(rlay::v1::StepRequest(), Reply).Code, ErrorCode::FailedPrecondition);
    rlay::v1::ResetResponse Reset;
    ASSERT_TRUE(Episode.Reset(0, Reset).Ok());
    const std::vector<std::string> Live = Episode.Session.LiveAgents();
    auto Refused = [&](rlay::v1::StepRequest Request, const std::string& Needle) {
        const std::vector<std::string> Before = Episode.Session.LiveAgents();
        rlay::v1::StepResponse Out;
        rlay::Status Result = Episode.Step(Request, Out);
        EXPECT_EQ(Result.Code, ErrorCode::InvalidArgument) << Needle;
        EXPECT_NE(Result.Message.find(Needle), std::string::npos) << Result.Message;
        EXPECT_EQ(Episode.Session.LiveAgents(), Before);
    };
    rlay::v1::StepRequest Good = AppendixActions(Live);
    rlay::v1::StepRequest Bad = Good;
    Bad.agent_actions[1].agents[0] = "runner_9";
    Refused(Bad, "unknown agent 'runner_9'");
    Bad = Good;
    Bad.agent_actions[1].agents[0] = "scout_0";
    Refused(Bad, "has behaviour 'scout'");
    Bad = Good;
    Bad.agent_actions[1].behavior = "pilot";
    Refused(Bad, "unknown behaviour 'pilot'");
    Bad = Good;
    Bad.agent_actions[1].agents[1] = "runner_0";
    Refused(Bad, "has two actions");
    Bad = Good;
    Bad.agent_actions[1].agents = {"runner_2"};
    *Bad.agent_actions[1].mutable_actions() = rlay::TensorValue(rlay::MakeTensor<int64_t>({1}));
    Refused(Bad, "'runner_2' is not live");
    Bad = Good;
    Bad.agent_actions.pop_back();
    Refused(Bad, "no action for live agent 'runner_0'");
    Bad = Good;
    *Bad.agent_actions[1].mutable_actions() = rlay::TensorValue(rlay::MakeTensor<int64_t>({1, 3}));
    Refused(Bad, "agent_actions[1].actions");
    Bad = Good;
    *Bad.mutable_actions() = rlay::TensorValue(rlay::MakeTensor<int64_t>({1}));
    Refused(Bad, "takes agent_actions");
    // An entry with no agents means nothing.
    Bad = Good;
    Bad.agent_actions.emplace_back();
    Bad.agent_actions.back().behavior = "scout";
    rlay::v1::StepResponse First;
    ASSERT_TRUE(Episode.Step(Bad, First).Ok());
    // The refusals changed nothing: the first step still gives the check values.
    FReported Reported = Collect(First, Episode.Spec);
    EXPECT_EQ(Reported.Rewards["runner_0"], 0.25);
    EXPECT_EQ(Reported.Rewards["scout_0"], 0.125);
    // scout_0 does not decide at t = 1.
    rlay::v1::StepRequest Next = AppendixActions({"runner_0", "runner_1", "runner_2", "scout_0"});
    Refused(Next, "'scout_0' is not live");
}

namespace {

/// An env whose spec or reports break the rules, one way per Flaw.
class FFlawedEnv final : public rlay::IMultiAgentEnvironment {
public:
    enum class EFlaw { None, TwiceInReply, SilentActor, WrongObservation, UnknownAgent };
    EFlaw Flaw = EFlaw::None;

    rlay::Status Open(const std::string& RenderMode, rlay::v1::EnvSpec& Spec) override
    {
        (void)RenderMode;
        Spec = rlay::MultiAgentSpec("flawed");
        rlay::v1::BehaviorSpec Behavior;
        Behavior.name = "b";
        *Behavior.mutable_observation_space() = rlay::DiscreteSpace(3);
        *Behavior.mutable_action_space() = rlay::DiscreteSpace(2);
        Spec.behaviors.push_back(Behavior);
        for (const char* Name : {"a0", "a1"}) {
            rlay::v1::AgentSpec Agent;
            Agent.name = Name;
            Agent.behavior = "b";
            Spec.agents.push_back(Agent);
        }
        return rlay::Status::Success();
    }
    rlay::Status ResetAgents(std::optional<uint64_t> Seed, const rlay::v1::Value* Options,
                             rlay::AgentReports& Out) override
    {
        (void)Seed;
        (void)Options;
        Out.Live(0, rlay::IntValue(0), rlay::v1::Value());
        Out.Live(1, rlay::IntValue(1), rlay::v1::Value());
        return rlay::Status::Success();
    }
    rlay::Status StepAgents(const std::vector<rlay::AgentAction>& Actions, rlay::AgentReports& Out) override
    {
        for (const rlay::AgentAction& Action : Actions) {
            if (Flaw == EFlaw::SilentActor && Action.Agent == 1) continue;
            Out.Step(Action.Agent, Flaw == EFlaw::WrongObservation ? rlay::StringValue("x") : rlay::IntValue(2), 1.0, false, false,
                     rlay::v1::Value(), true);
        }
        if (Flaw == EFlaw::TwiceInReply) Out.Live(0, rlay::IntValue(0), rlay::v1::Value());
        if (Flaw == EFlaw::UnknownAgent) Out.Live(5, rlay::IntValue(0), rlay::v1::Value());
        return rlay::Status::Success();
    }
};

rlay::v1::StepRequest BothAct()
{
    rlay::v1::StepRequest Request;
    Request.agent_actions.emplace_back();
    Request.agent_actions[0].behavior = "b";
    Request.agent_actions[0].agents = {"a1", "a0"};
    *Request.agent_actions[0].mutable_actions() = rlay::TensorValue(rlay::MakeTensor<int64_t>({1, 0}));
    return Request;
}

}  // namespace

TEST(AgentSession, AnEnvThatMisreportsFailsTheCommandNotTheEpisode)
{
    using EFlaw = FFlawedEnv::EFlaw;
    const std::vector<std::pair<EFlaw, std::string>> Flaws = {
        {EFlaw::TwiceInReply, "twice in one reply"},
        {EFlaw::SilentActor, "did not report agent 'a1', which acted"},
        {EFlaw::WrongObservation, "does not fit its space"},
        {EFlaw::UnknownAgent, "reported agent 5"}};
    for (const auto& [Flaw, Needle] : Flaws) {
        FFlawedEnv Env;
        rlay::v1::EnvSpec Spec;
        ASSERT_TRUE(Env.Open("", Spec).Ok());
        rlay::AgentSession Session;
        ASSERT_TRUE(Session.Open(Spec).Ok());
        rlay::v1::ResetResponse Reset;
        ASSERT_TRUE(Session.Reset(Env, std::nullopt, nullptr, Reset).Ok());
        Env.Flaw = Flaw;
        rlay::v1::StepResponse Reply;
        rlay::Status Result = Session.Step(Env, BothAct(), Reply);
        EXPECT_EQ(Result.Code, ErrorCode::Env) << Needle;
        EXPECT_NE(Result.Message.find(Needle), std::string::npos) << Result.Message;
        EXPECT_EQ(Session.LiveAgents(), (std::vector<std::string>{"a0", "a1"}));
        Env.Flaw = EFlaw::None;
        ASSERT_TRUE(Session.Step(Env, BothAct(), Reply).Ok());
        ASSERT_EQ(Reply.agents.size(), 1u);
        EXPECT_EQ(Reply.agents[0].agents, (std::vector<std::string>{"a0", "a1"}));  // spec order
    }
}

TEST(AgentSession, ASpecThatBreaksTheRulesIsNotOpened)
{
    FFlawedEnv Env;
    rlay::v1::EnvSpec Good;
    ASSERT_TRUE(Env.Open("", Good).Ok());
    auto Refused = [](const rlay::v1::EnvSpec& Spec, const std::string& Needle) {
        rlay::AgentSession Session;
        rlay::Status Result = Session.Open(Spec);
        EXPECT_EQ(Result.Code, ErrorCode::Env) << Needle;
        EXPECT_NE(Result.Message.find(Needle), std::string::npos) << Result.Message;
    };
    rlay::v1::EnvSpec Spec = Good;
    Spec.agents[1].name = "a0";
    Refused(Spec, "two agents are named 'a0'");
    Spec = Good;
    Spec.agents[1].behavior = "c";
    Refused(Spec, "undeclared behaviour 'c'");
    Spec = Good;
    Spec.behaviors.push_back(Spec.behaviors[0]);
    Refused(Spec, "two behaviours are named 'b'");
    Spec = Good;
    Spec.behaviors.push_back(Spec.behaviors[0]);
    Spec.behaviors[1].name = "idle";
    Refused(Spec, "behaviour 'idle' has no agent");
    Spec = Good;
    Spec.behaviors[0].clear_action_space();
    Refused(Spec, "needs an observation and an action space");
    Spec = Good;
    Spec.agents[0].name.clear();
    Refused(Spec, "agent 0 has no name");
    Spec = Good;
    *Spec.mutable_observation_space() = rlay::DiscreteSpace(2);
    Refused(Spec, "leaves observation_space and action_space unset");
    Spec = Good;
    Spec.num_envs = 2;
    Refused(Spec, "num_envs 1");
    Spec = Good;
    Spec.autoreset_mode = rlay::v1::AutoresetMode::NextStep;
    Refused(Spec, "AUTORESET_MODE_DISABLED");
}
