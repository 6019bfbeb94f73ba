#include "MultiAgentEnvironment.h"

#include <algorithm>
#include <array>

#include "Draws.h"
#include "RlaySpaces.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace rlay::conformance {

namespace {

constexpr size_t NumAgents = 5;
constexpr int64_t Horizon = 8;
const char* const AgentNames[NumAgents] = {"runner_0", "scout_0", "runner_1", "scout_1", "runner_2"};
constexpr bool IsRunner[NumAgents] = {true, false, true, false, true};

class FMultiAgentEnvironment final : public IMultiAgentEnvironment {
public:
    FMultiAgentEnvironment()
        : RunnerObservation(BoxSpace(v1::Dtype::Int32, -100, 100, {3})),
          RunnerAction(DiscreteSpace(5, -2)),
          ScoutObservation(
              DictSpace({{"view", BoxSpace(v1::Dtype::Float32, -8, 8, {2})}, {"tick", DiscreteSpace(9)}})),
          ScoutAction(BoxSpace(v1::Dtype::Float32, -1, 1, {2}))
    {
    }

    Status Open(const std::string& RenderMode, v1::EnvSpec& Spec) override
    {
        if (!RenderMode.empty()) {
            return Status::Invalid("render mode '" + RenderMode + "' is not supported by conformance/multi-agent");
        }
        Spec = MultiAgentSpec("conformance/multi-agent");
        AddBehavior(Spec, "runner", RunnerObservation, RunnerAction);
        AddBehavior(Spec, "scout", ScoutObservation, ScoutAction);
        for (size_t I = 0; I < NumAgents; ++I) {
            v1::AgentSpec Agent;
            Agent.name = AgentNames[I];
            Agent.behavior = IsRunner[I] ? "runner" : "scout";
            Spec.agents.push_back(std::move(Agent));
        }
        Spec.max_episode_steps = Horizon;
        *Spec.mutable_metadata() = MapOf({{"suite", StringValue("rlay-conformance")},
                                          {"env", StringValue("multi-agent")},
                                          {"version", IntValue(1)}});
        return Status::Success();
    }

    Status ResetAgents(std::optional<uint64_t> Seed, const v1::Value* Options, AgentReports& Out) override
    {
        (void)Options;
        Key = Seed ? Mix(*Seed) : Mix(Key);
        T = 0;
        for (size_t I = 0; I < NumAgents; ++I) {
            K[I] = D(Key, static_cast<int>(I));
            Life[I] = 0;
            bAlive[I] = false;
        }
        for (size_t I = 0; I < 4; ++I) Spawn(I);
        for (size_t I = 0; I < NumAgents; ++I) {
            if (bAlive[I]) Out.Live(I, Observe(I), Info(I));
        }
        return Status::Success();
    }

    Status StepAgents(const std::vector<AgentAction>& Actions, AgentReports& Out) override
    {
        std::array<bool, NumAgents> bActed{};
        // 1. Live agents act, in index order (the session sorted them).
        for (const AgentAction& Action : Actions) {
            size_t I = Action.Agent;
            Scratch.clear();
            ElementBytes(IsRunner[I] ? RunnerAction : ScoutAction, Action.Action, Scratch);
            Acc[I] = Fold(Acc[I], Scratch);
            if (IsRunner[I]) X[I] = std::max<int64_t>(-100, std::min<int64_t>(100, X[I] + Action.Action.int_value()));
            bActed[I] = true;
        }
        // 2. Time passes for everyone alive.
        ++T;
        for (size_t I = 0; I < NumAgents; ++I) {
            if (bAlive[I]) ++Age[I];
        }
        // 3. Rewards.
        for (size_t I = 0; I < NumAgents; ++I) {
            if (IsRunner[I] && bActed[I]) R[I] += static_cast<double>(X[I]) / 4.0;
            if (!IsRunner[I] && bAlive[I]) R[I] += static_cast<double>(Age[I]) / 8.0;
        }
        // 4. Ends.
        std::array<bool, NumAgents> bTerminated{}, bTruncated{}, bEnded{};
        for (size_t I = 0; I < NumAgents; ++I) {
            if (!bAlive[I]) continue;
            if (IsRunner[I] && Age[I] >= RunnerLife(I)) {
                bTerminated[I] = true;
                R[I] += 1;
            }
            bTruncated[I] = T >= Horizon;
            if (bTerminated[I] || bTruncated[I]) {
                bEnded[I] = true;
                bAlive[I] = false;
                End[I] = T;
            }
        }
        // 5. Spawns and respawns, while the episode goes on.
        if (T < Horizon) {
            for (size_t I = 0; I < NumAgents; ++I) {
                if (!IsRunner[I] || bAlive[I]) continue;
                bool bLate = I == 4 && T == 1 && Life[I] == 0;
                bool bRespawn = Life[I] > 0 && T == End[I] + 2;
                if (bLate || bRespawn) Spawn(I);
            }
        }
        // 6. Who decides next; 7. reports.
        for (size_t I = 0; I < NumAgents; ++I) {
            bool bLive = bAlive[I] && (IsRunner[I] || T % 2 == 0);
            if (!(bActed[I] || bEnded[I] || bLive)) continue;
            double Reward = R[I];
            R[I] = 0;
            Out.Step(I, Observe(I), Reward, bTerminated[I], bTruncated[I], Info(I), bLive);
        }
        return Status::Success();
    }

    Status Render(std::vector<v1::Value>& Frames) override
    {
        (void)Frames;
        return Status::Unimplemented("conformance/multi-agent renders nothing");
    }

    Status Call(const std::string& CallName, const v1::Value& Argument, v1::Value& Result) override
    {
        (void)Argument;
        (void)Result;
        return Status::Unimplemented("conformance/multi-agent has no call named '" + CallName + "'");
    }

private:
    static void AddBehavior(v1::EnvSpec& Spec, const char* Name, const v1::Space& Observation,
                            const v1::Space& Action)
    {
        v1::BehaviorSpec Behavior;
        Behavior.name = Name;
        *Behavior.mutable_observation_space() = Observation;
        *Behavior.mutable_action_space() = Action;
        Spec.behaviors.push_back(std::move(Behavior));
    }

    int64_t RunnerLife(size_t I) const { return 2 + U(K[I], 0, 3); }

    void Spawn(size_t I)
    {
        if (Life[I] > 0) K[I] = Mix(K[I]);
        ++Life[I];
        bAlive[I] = true;
        Age[I] = 0;
        Acc[I] = FnvBasis;
        X[I] = 0;
        R[I] = 0;
    }

    v1::Value Observe(size_t I) const
    {
        uint64_t S = Mix(K[I] ^ ((static_cast<uint64_t>(Age[I]) << 32) | Acc[I]));
        if (IsRunner[I]) {
            return TensorValue(MakeTensor<int32_t>({static_cast<int32_t>(Age[I]), static_cast<int32_t>(X[I]),
                                                    static_cast<int32_t>(U(S, 0, 201) - 100)}));
        }
        float View[2] = {static_cast<float>(U(S, 0, 129) - 64) / 8.0f, static_cast<float>(U(S, 1, 129) - 64) / 8.0f};
        return MapOf({{"view", TensorValue(MakeTensor(View, 2))}, {"tick", IntValue(T)}});
    }

    v1::Value Info(size_t I) const
    {
        if (!IsRunner[I]) return v1::Value();
        return MapOf({{"life", IntValue(Life[I])},
                      {"age", IntValue(Age[I])},
                      {"key_hi", IntValue(static_cast<int64_t>(K[I] >> 32))}});
    }

    v1::Space RunnerObservation, RunnerAction, ScoutObservation, ScoutAction;
    Bytes Scratch;
    uint64_t Key = K0;
    int64_t T = 0;
    std::array<uint64_t, NumAgents> K{};
    std::array<int64_t, NumAgents> Life{}, Age{}, X{}, End{};
    std::array<bool, NumAgents> bAlive{};
    std::array<uint32_t, NumAgents> Acc{};
    std::array<double, NumAgents> R{};
};

}  // namespace

std::unique_ptr<IEnvironment> MakeMultiAgentEnvironment()
{
    return std::unique_ptr<IEnvironment>(new FMultiAgentEnvironment());
}

}  // namespace rlay::conformance
