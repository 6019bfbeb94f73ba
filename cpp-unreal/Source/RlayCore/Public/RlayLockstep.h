// Lockstep hosting for a game engine: the socket work runs on a thread of its own, and
// every command the trainer sends (reset, step, render, call) is handed to the game
// thread, which answers it between frames. A step can therefore span an engine tick:
// the game applies the actions, lets the world advance one fixed step, then reports.
//
//     rlay::LockstepLink Link;
//     Link.Listen(Where, Spec, Options, Error);          // or Link.Dial(Where, Spec, ...)
//     // every game tick:
//     if (rlay::LockstepCommand* Command = Link.Poll(WaitMs)) {
//         ... fill Command->ResetOut / StepOut / Frames / CallResult ...
//         Link.Complete(rlay::Status::Success());
//     }
//
// The game thread never waits without a deadline: Poll waits at most WaitMs. A lost
// trainer ends the session; a listening link then waits for the next one, a dialling
// link reports Disconnected and the game keeps running.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "RlayAgentSession.h"
#include "RlayEnvSession.h"
#include "RlayTransport.h"

namespace rlay {

/// A command waiting for the game thread.
struct RLAYCORE_API LockstepCommand {
    /// ResetAgents and StepAgents: a multi-agent spec (RlayAgentSession.h).
    enum class EKind { Reset, Step, Render, Call, ResetAgents, StepAgents };
    EKind Kind = EKind::Reset;
    /// Reset: what to reset, and where to put observations and infos.
    const ResetArgs* Reset = nullptr;
    ResetResult* ResetOut = nullptr;
    /// Step: one checked action per sub-environment, and where to put the outcome.
    const std::vector<v1::Value>* Actions = nullptr;
    StepResult* StepOut = nullptr;
    /// Render: one frame per sub-environment.
    std::vector<v1::Value>* Frames = nullptr;
    /// Call: the name, its argument and the result.
    std::string CallName;
    const v1::Value* CallArgument = nullptr;
    v1::Value* CallResult = nullptr;
    /// ResetAgents: the seed and options; StepAgents: one checked action per live agent,
    /// in agent order. Both: where to report the agents.
    std::optional<uint64_t> Seed;
    const v1::Value* Options = nullptr;
    const std::vector<AgentAction>* AgentActions = nullptr;
    AgentReports* Reports = nullptr;
};

enum class ELinkState {
    /// Not started, or stopped.
    Idle,
    /// Listening, no trainer yet (or the last one left).
    Listening,
    /// Dialling the trainer, retrying while nothing listens.
    Connecting,
    /// A trainer is attached.
    Connected,
    /// A dialled trainer is gone, or could not be reached: the game plays on alone.
    Disconnected,
};

RLAYCORE_API const char* LinkStateName(ELinkState State);

class RLAYCORE_API LockstepLink {
public:
    LockstepLink();
    ~LockstepLink();
    LockstepLink(const LockstepLink&) = delete;
    LockstepLink& operator=(const LockstepLink&) = delete;

    /// Serves trainers (rlay.ClientEnv) one at a time at Where; false with Error (e.g. the
    /// port is taken) when it cannot listen.
    bool Listen(const Address& Where, v1::EnvSpec Spec, EnvSessionOptions Options, std::string& Error);
    /// Dials a trainer (rlay.ServerEnv) at Where, retrying for up to ConnectTimeoutMs.
    void Dial(const Address& Where, v1::EnvSpec Spec, EnvSessionOptions Options, int ConnectTimeoutMs);
    /// Ends the session and the I/O thread (waits for it).
    void Stop();

    /// The next command, waiting up to WaitMs for one (0: just look); nullptr when none.
    /// The command stays valid until Complete.
    LockstepCommand* Poll(int WaitMs);
    /// Answers the polled command (Status::EnvError etc. become the reply's error).
    void Complete(Status Result);

    ELinkState State() const { return StateValue.load(); }
    /// The address listened on (the real port), empty when not listening.
    std::string ListenAddress() const;
    /// Why the last session ended, or why connecting failed.
    std::string LastMessage() const;
    /// Commands answered since Start.
    uint64_t CommandsServed() const { return Served.load(); }
    /// The render mode the current trainer asked for ("" for none).
    std::string RenderMode() const;

private:
    class FProxy;
    void ServeListening();
    void ServeDialled(Address Where, int ConnectTimeoutMs);
    void ServeOne(Connection& Link);
    Status Forward(LockstepCommand& Command);
    void SetMessage(const std::string& Message);

    v1::EnvSpec Spec;
    EnvSessionOptions Options;
    Listener Listening;
    std::thread Worker;
    std::atomic<bool> bStopping{false};
    bool bListens = false;
    std::atomic<ELinkState> StateValue{ELinkState::Idle};
    std::atomic<uint64_t> Served{0};
    std::atomic<EnvSession*> Current{nullptr};

    mutable std::mutex Lock;
    std::condition_variable Changed;
    LockstepCommand* Pending = nullptr;
    bool bTaken = false;
    bool bDone = false;
    Status Outcome;
    std::string Message;
    std::string Mode;
};

}  // namespace rlay
