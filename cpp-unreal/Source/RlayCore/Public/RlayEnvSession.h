// The env side of a session (session.proto): the handshake, then one reply per
// command, with the recoverable-error rules: an error about one command (ENV,
// INVALID_ARGUMENT, UNIMPLEMENTED, FAILED_PRECONDITION) leaves the session going; a
// malformed or oversized frame, a second hello or a refused handshake ends it.
//
//     class FMyEnv : public rlay::IEnvironment { ... };
//     FMyEnv Env;
//     rlay::EnvSession Session(Link, Env, Options);
//     rlay::ESessionEnd End = Session.Run();   // returns when the agent closes or fails
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "RlaySession.g.h"
#include "RlayStatus.h"
#include "RlayTransport.h"

namespace rlay {

class IMultiAgentEnvironment;
class AgentSession;

/// What Reset is asked to do.
struct RLAYCORE_API ResetArgs {
    /// One per sub-environment (nullopt: no seed), or empty when no seeds were sent.
    std::vector<std::optional<uint64_t>> Seeds;
    /// The reset's options (a map_value), or nullptr.
    const v1::Value* Options = nullptr;
    /// Which sub-environments to reset; empty means all.
    std::vector<bool> Mask;

    bool Includes(size_t I) const { return Mask.empty() || Mask[I]; }
    std::optional<uint64_t> Seed(size_t I) const { return Seeds.empty() ? std::nullopt : Seeds[I]; }
};

/// What Reset fills: one observation (element form) and info per sub-environment, or
/// the whole batch at once in ObservationBatch (bHasBatch = true).
struct RLAYCORE_API ResetResult {
    std::vector<v1::Value> Observations;
    std::vector<v1::Value> Infos;
    v1::Value ObservationBatch;
    bool bHasBatch = false;

    void Prepare(size_t NumEnvs);
};

/// What Step fills, per sub-environment.
struct RLAYCORE_API StepResult {
    std::vector<v1::Value> Observations;
    std::vector<v1::Value> Infos;
    std::vector<double> Rewards;
    std::vector<bool> Terminated;
    std::vector<bool> Truncated;
    std::vector<v1::FinalStep> Finals;
    v1::Value ObservationBatch;
    bool bHasBatch = false;

    void Prepare(size_t NumEnvs);
    /// AUTORESET_MODE_SAME_STEP: the ending observation and info of sub-environment Index.
    void AddFinal(size_t Index, v1::Value Observation, v1::Value Info);
};

/// An environment as the env side hosts it. A returned Status that is not Ok becomes the
/// reply's error: Status::EnvError for a failure of the env itself, Status::Invalid for
/// bad input, Status::Unimplemented for an unknown call.
class RLAYCORE_API IEnvironment {
public:
    virtual ~IEnvironment();
    /// Fills the EnvSpec; RenderMode is "" for none. Called once, at the handshake.
    virtual Status Open(const std::string& RenderMode, v1::EnvSpec& Spec) = 0;
    virtual Status Reset(const ResetArgs& Args, ResetResult& Result) = 0;
    /// Actions: one element per sub-environment, already checked against the action space.
    virtual Status Step(const std::vector<v1::Value>& Actions, StepResult& Result) = 0;
    /// One frame per sub-environment (a Value with no kind when there is none).
    virtual Status Render(std::vector<v1::Value>& Frames);
    virtual Status Call(const std::string& Name, const v1::Value& Argument, v1::Value& Result);
    virtual void Close();
    /// The env as a multi-agent env (RlayAgentSession.h), or nullptr; the core has no RTTI.
    virtual IMultiAgentEnvironment* AsMultiAgent() { return nullptr; }
};

struct RLAYCORE_API EnvSessionOptions {
    /// Shared secret; empty accepts every agent.
    std::string Token;
    /// How long the agent may take to send its hello.
    int HelloTimeoutMs = 30000;
    /// How long to wait for a command between commands (-1: forever; training pauses).
    int IdleTimeoutMs = -1;
    /// How long the rest of a frame may take once its first byte arrived, and a send.
    int FrameTimeoutMs = 30000;
    uint32_t MaxFrameSize = DefaultMaxFrameSize;
    /// Name used in logs; the peer's address when empty.
    std::string Name;
};

enum class ESessionEnd {
    /// The agent sent close.
    Closed,
    /// The handshake was refused (version, token, render mode, env failed to open).
    Refused,
    /// The connection dropped.
    Lost,
    /// The agent was silent past a timeout.
    TimedOut,
    /// A malformed or oversized frame, or a message out of order.
    ProtocolError,
};

RLAYCORE_API const char* SessionEndName(ESessionEnd End);

enum class ELogLevel { Debug, Info, Warning, Error };
/// Where the core's log lines go; stderr by default. The Unreal glue routes them to UE_LOG.
using LogSink = void (*)(ELogLevel Level, const std::string& Message);
RLAYCORE_API void SetLogSink(LogSink Sink);
RLAYCORE_API void SetLogLevel(ELogLevel Minimum);
RLAYCORE_API void Log(ELogLevel Level, const std::string& Message);

class RLAYCORE_API EnvSession {
public:
    static constexpr uint32_t ProtocolMajor = 1;
    /// 1.1: multi-agent envs (a single-agent env speaks exactly 1.0 whatever the minor).
    static constexpr uint32_t ProtocolMinor = 1;
    static const char* const Implementation;
    static const char* const ImplementationVersion;

    EnvSession(Connection& Link, IEnvironment& Environment, EnvSessionOptions Options = EnvSessionOptions());
    ~EnvSession();
    EnvSession(const EnvSession&) = delete;
    EnvSession& operator=(const EnvSession&) = delete;

    /// Handshake, then commands until close or a failure; closes the connection and the env.
    ESessionEnd Run();
    /// The handshake alone (for hosts that interleave commands with other work).
    bool Handshake(ESessionEnd& End);
    /// Waits up to IdleTimeoutMs for one command and answers it; false when the session ended.
    bool ServeOne(int IdleTimeoutMs, ESessionEnd& End);
    /// Closes the connection and, if it was opened, the env. Idempotent.
    void Close();
    /// Makes a blocked Run return soon (safe from another thread).
    void Stop() { Link.Shutdown(); }

    const v1::EnvSpec& Spec() const { return SpecValue; }
    /// Why the session ended, for logs.
    const std::string& EndMessage() const { return EndText; }

private:
    bool Receive(int IdleTimeoutMs, v1::SessionRequest& Request, ESessionEnd& End);
    bool Send(ESessionEnd& End);
    void Fatal(v1::ErrorCode Code, const std::string& Message);
    Status OnReset(const v1::ResetRequest& Request);
    Status OnStep(const v1::StepRequest& Request);
    Status OnRender();
    Status OnCall(const v1::CallRequest& Request);
    Status ObservationBatch(bool bHasBatch, v1::Value& Given, std::vector<v1::Value>& Elements, v1::Value& Out);

    Connection& Link;
    IEnvironment& Env;
    EnvSessionOptions Options;
    std::string Name;
    v1::EnvSpec SpecValue;
    v1::SessionResponse Response;
    Bytes Frame;
    Bytes SendBuffer;
    size_t NumEnvs = 1;
    bool bOpened = false;
    bool bHasReset = false;
    std::atomic<bool> bClosed{false};
    std::string EndText;
    ResetArgs ResetArguments;
    ResetResult ResetOut;
    StepResult StepOut;
    std::vector<v1::Value> Actions;
    /// Set when the EnvSpec declares agents.
    std::unique_ptr<AgentSession> Agents;
};

}  // namespace rlay
