// The benchmarks' echo env (bench/rlaybench/echo_env.py) hosted by RlayCore, so the C++
// env side is measured beside the Python and C# ones: the observation is the payload,
// each step writes the step counter into its first element, reward 1, no episode end.
//
//   rlay_echo_host --payload cartpole|image|large --mode listen|dial --address ADDR
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "RlayHost.h"
#include "RlaySpaces.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace {

volatile std::sig_atomic_t bTerminate = 0;
void OnSignal(int) { bTerminate = 1; }

struct FPayload {
    std::vector<int64_t> Shape;
    bool bBytes = false;  // uint8, else float32
};

class FEchoEnv final : public rlay::IEnvironment {
public:
    explicit FEchoEnv(FPayload InPayload) : Payload(std::move(InPayload))
    {
        uint64_t Count = 0;
        rlay::ElementCount(Payload.Shape, Count);
        Data.resize(Count * (Payload.bBytes ? 1 : 4));
        for (uint64_t I = 0; I < Count; ++I) {
            if (Payload.bBytes) {
                Data[I] = static_cast<uint8_t>(I % 251);
            } else {
                float Value = static_cast<float>(static_cast<double>(I % 1000) / 1000.0);
                std::memcpy(Data.data() + 4 * I, &Value, 4);
            }
        }
    }

    rlay::Status Open(const std::string& RenderMode, rlay::v1::EnvSpec& Spec) override
    {
        (void)RenderMode;
        Spec.env_id = "rlaybench/Echo";
        *Spec.mutable_observation_space() = Payload.bBytes
                                                ? rlay::BoxSpace(rlay::v1::Dtype::Uint8, 0, 255, Payload.Shape)
                                                : rlay::BoxSpace(rlay::v1::Dtype::Float32, -1, 1, Payload.Shape);
        *Spec.mutable_action_space() = rlay::DiscreteSpace(2);
        Spec.num_envs = 1;
        Spec.autoreset_mode = rlay::v1::AutoresetMode::Disabled;
        return rlay::Status::Success();
    }

    rlay::Status Reset(const rlay::ResetArgs& Args, rlay::ResetResult& Result) override
    {
        (void)Args;
        T = 0;
        Observe(Result.ObservationBatch);
        Result.bHasBatch = true;
        return rlay::Status::Success();
    }

    rlay::Status Step(const std::vector<rlay::v1::Value>& Actions, rlay::StepResult& Result) override
    {
        (void)Actions;
        ++T;
        Observe(Result.ObservationBatch);
        Result.bHasBatch = true;
        Result.Rewards[0] = 1.0;
        return rlay::Status::Success();
    }

private:
    void Observe(rlay::v1::Value& Out)
    {
        if (Payload.bBytes) {
            Data[0] = static_cast<uint8_t>(T % 251);
        } else {
            float Value = static_cast<float>(static_cast<double>(T % 1000) / 1000.0);
            std::memcpy(Data.data(), &Value, 4);
        }
        // The batch form of one sub-environment: a leading 1.
        std::vector<int64_t> Shape = Payload.Shape;
        Shape.insert(Shape.begin(), 1);
        *Out.mutable_tensor() =
            rlay::MakeTensorOfBytes(Payload.bBytes ? rlay::v1::Dtype::Uint8 : rlay::v1::Dtype::Float32, Data, Shape);
    }

    FPayload Payload;
    rlay::Bytes Data;
    int64_t T = 0;
};

int Usage(const std::string& Reason)
{
    std::fprintf(stderr, "echo host: %s\nusage: rlay_echo_host --payload cartpole|image|large --mode listen|dial --address ADDR\n",
                 Reason.c_str());
    return 2;
}

}  // namespace

int main(int Argc, char** Argv)
{
    std::string PayloadName, Mode, AddressText;
    for (int I = 1; I + 1 < Argc; I += 2) {
        std::string Option = Argv[I];
        if (Option == "--payload") PayloadName = Argv[I + 1];
        else if (Option == "--mode") Mode = Argv[I + 1];
        else if (Option == "--address") AddressText = Argv[I + 1];
        else return Usage("unknown option " + Option);
    }
    FPayload Payload;
    if (PayloadName == "cartpole") Payload.Shape = {4};
    else if (PayloadName == "image") Payload = FPayload{{84, 84, 3}, true};
    else if (PayloadName == "large") Payload.Shape = {1 << 20};
    else return Usage("unknown payload '" + PayloadName + "'");
    rlay::Address Where;
    std::string Error;
    if (!rlay::Address::Parse(AddressText, Where, Error)) return Usage(Error);
    std::signal(SIGTERM, OnSignal);
    std::signal(SIGINT, OnSignal);
    std::signal(SIGPIPE, SIG_IGN);
    rlay::SetLogLevel(rlay::ELogLevel::Warning);
    if (Mode == "listen") {
        rlay::Server Host([Payload] { return std::unique_ptr<rlay::IEnvironment>(new FEchoEnv(Payload)); });
        if (!Host.Start(Where, Error)) {
            std::fprintf(stderr, "echo host: %s\n", Error.c_str());
            return 1;
        }
        std::printf("READY %s\n", Host.Bound().ToString().c_str());
        std::fflush(stdout);
        while (!bTerminate) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        Host.Stop(3000);
        return 0;
    }
    if (Mode != "dial") return Usage("unknown mode '" + Mode + "'");
    FEchoEnv Env(Payload);
    std::string Message;
    rlay::ESessionEnd End = rlay::DialAndServe(Where, 10000, Env, rlay::EnvSessionOptions(), Message);
    return End == rlay::ESessionEnd::Closed ? 0 : 1;
}
