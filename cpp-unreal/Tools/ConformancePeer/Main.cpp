// The C++ conformance peer (conformance/PEERS.md):
//   peer --env NAME --mode listen|dial --address ADDR [--token TOKEN]
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "ConformanceEnvironment.h"
#include "RlayHost.h"

namespace {

volatile std::sig_atomic_t bTerminate = 0;

void OnSignal(int) { bTerminate = 1; }

int Usage(const std::string& Reason)
{
    std::fprintf(stderr, "peer: %s\nusage: peer --env NAME --mode listen|dial --address ADDR [--token TOKEN]\n",
                 Reason.c_str());
    return 2;
}

}  // namespace

int main(int Argc, char** Argv)
{
    std::string Env, Mode, AddressText, Token;
    bool bHasToken = false;
    for (int I = 1; I < Argc; ++I) {
        std::string Option = Argv[I];
        if (I + 1 >= Argc || !(Option == "--env" || Option == "--mode" || Option == "--address" || Option == "--token")) {
            return Usage("unknown or incomplete option '" + Option + "'");
        }
        std::string Value = Argv[++I];
        if (Option == "--env") Env = Value;
        if (Option == "--mode") Mode = Value;
        if (Option == "--address") AddressText = Value;
        if (Option == "--token") {
            Token = Value;
            bHasToken = true;
        }
    }
    if (Env.empty() || Mode.empty() || AddressText.empty()) return Usage("--env, --mode and --address are required");
    if (rlay::conformance::MakeEnvironment(Env) == nullptr) return Usage("unknown environment '" + Env + "'");
    if (Mode != "listen" && Mode != "dial") return Usage("unknown mode '" + Mode + "'");
    rlay::Address Where;
    std::string Error;
    if (!rlay::Address::Parse(AddressText, Where, Error)) return Usage(Error);

    rlay::EnvSessionOptions Options;
    if (bHasToken) Options.Token = Token;
    Options.IdleTimeoutMs = 120000;
    std::signal(SIGTERM, OnSignal);
    std::signal(SIGINT, OnSignal);
#if defined(SIGPIPE)
    std::signal(SIGPIPE, SIG_IGN);
#endif

    if (Mode == "listen") {
        rlay::Server Host([Env] { return rlay::conformance::MakeEnvironment(Env); }, Options);
        if (!Host.Start(Where, Error)) {
            std::fprintf(stderr, "peer: %s\n", Error.c_str());
            return 1;
        }
        std::printf("READY %s\n", Host.Bound().ToString().c_str());
        std::fflush(stdout);
        while (!bTerminate) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        Host.Stop(3000);
        return 0;
    }
    std::unique_ptr<rlay::IEnvironment> Environment = rlay::conformance::MakeEnvironment(Env);
    std::string Message;
    rlay::ESessionEnd End = rlay::DialAndServe(Where, 10000, *Environment, Options, Message);
    if (End == rlay::ESessionEnd::Closed) return 0;
    std::fprintf(stderr, "peer: the session ended without close (%s): %s\n", rlay::SessionEndName(End), Message.c_str());
    return 1;
}
