// libFuzzer target: frame and message decoding, the code that meets hostile bytes.
// Input: a byte stream as a connection delivers it (u32 length + message, repeated).
// Every frame is decoded as a SessionRequest (what the env side reads), a
// SessionResponse and a Value; whatever decodes must re-encode and decode to the same bytes.
// A decoded StepRequest is also checked as actions (single-agent against an arbitrary
// space, multi-agent against a fixed two-behaviour env), which must fail cleanly or pass.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "RlayAgentSession.h"
#include "RlayService.g.h"
#include "RlaySession.g.h"
#include "RlaySpaceValues.h"
#include "RlaySpaces.h"
#include "RlayValues.h"
#include "RlayTransport.h"

namespace {

template <typename Message>
void RoundTrip(const uint8_t* Data, size_t Size)
{
    Message First;
    if (!First.ParseFromArray(Data, Size)) return;
    rlay::Bytes Encoded = First.SerializeAsBytes();
    Message Second;
    if (!Second.ParseFromArray(Encoded.data(), Encoded.size())) std::abort();
    if (Second.SerializeAsBytes() != Encoded) std::abort();
    std::string Json = Second.ToJson();
    (void)Json;
}

/// Two behaviours, three agents, every agent live after each reply.
class FAgentsEnv final : public rlay::IMultiAgentEnvironment {
public:
    rlay::Status Open(const std::string& RenderMode, rlay::v1::EnvSpec& Spec) override
    {
        (void)RenderMode;
        Spec = rlay::MultiAgentSpec("fuzz");
        AddBehavior(Spec, "move", rlay::DiscreteSpace(3, -1));
        AddBehavior(Spec, "aim", rlay::DictSpace({{"at", rlay::BoxSpace(rlay::v1::Dtype::Float32, -1, 1, {2})},
                                                  {"say", rlay::TextSpace(4)}}));
        for (const char* Name : {"m0", "a0", "m1"}) {
            rlay::v1::AgentSpec Agent;
            Agent.name = Name;
            Agent.behavior = Name[0] == 'm' ? "move" : "aim";
            Spec.agents.push_back(Agent);
        }
        return rlay::Status::Success();
    }
    rlay::Status ResetAgents(std::optional<uint64_t>, const rlay::v1::Value*, rlay::AgentReports& Out) override
    {
        for (size_t I = 0; I < 3; ++I) Out.Live(I, rlay::IntValue(0), rlay::v1::Value());
        return rlay::Status::Success();
    }
    rlay::Status StepAgents(const std::vector<rlay::AgentAction>& Actions, rlay::AgentReports& Out) override
    {
        for (const rlay::AgentAction& Action : Actions) {
            Out.Step(Action.Agent, rlay::IntValue(1), 0.5, false, false, rlay::v1::Value(), true);
        }
        return rlay::Status::Success();
    }

private:
    static void AddBehavior(rlay::v1::EnvSpec& Spec, const char* Name, rlay::v1::Space Action)
    {
        rlay::v1::BehaviorSpec Behavior;
        Behavior.name = Name;
        *Behavior.mutable_observation_space() = rlay::DiscreteSpace(2);
        *Behavior.mutable_action_space() = std::move(Action);
        Spec.behaviors.push_back(std::move(Behavior));
    }
};

void StepAgents(const rlay::v1::StepRequest& Step)
{
    static FAgentsEnv Env;
    static rlay::v1::EnvSpec Spec;
    static rlay::AgentSession Session;
    static bool bOpened = false;
    if (!bOpened) {
        Env.Open("", Spec);
        if (!Session.Open(Spec).Ok()) std::abort();
        bOpened = true;
    }
    rlay::v1::ResetResponse Reset;
    if (!Session.Reset(Env, std::nullopt, nullptr, Reset).Ok()) std::abort();
    rlay::v1::StepResponse Reply;
    rlay::Status Result = Session.Step(Env, Step, Reply);
    // Only the agent's mistakes may be refused; the env above never errs.
    if (!Result.Ok() && Result.Code != rlay::v1::ErrorCode::InvalidArgument) std::abort();
    if (Result.Ok() && Session.LiveAgents().size() != 3) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* Data, size_t Size)
{
    size_t At = 0;
    while (Size - At >= rlay::FrameHeaderSize) {
        uint32_t Length = static_cast<uint32_t>(Data[At]) | (static_cast<uint32_t>(Data[At + 1]) << 8) |
                          (static_cast<uint32_t>(Data[At + 2]) << 16) | (static_cast<uint32_t>(Data[At + 3]) << 24);
        At += rlay::FrameHeaderSize;
        // As the session does: a length past the maximum (here, past the input) is refused unread.
        if (Length > Size - At) Length = static_cast<uint32_t>(Size - At);
        const uint8_t* Frame = Data + At;
        RoundTrip<rlay::v1::SessionRequest>(Frame, Length);
        RoundTrip<rlay::v1::SessionResponse>(Frame, Length);
        RoundTrip<rlay::v1::Value>(Frame, Length);
        rlay::v1::StepRequest Step;
        rlay::v1::Space Space;
        bool bStep = Step.ParseFromArray(Frame, Length);
        if (bStep) StepAgents(Step);
        if (bStep && Space.ParseFromArray(Frame, Length / 2)) {
            // Checking actions against an arbitrary space must fail cleanly, never crash.
            std::vector<rlay::v1::Value> Actions;
            rlay::Unbatch(Space, Step.actions(), 2, Actions);
        }
        At += Length;
    }
    return 0;
}
