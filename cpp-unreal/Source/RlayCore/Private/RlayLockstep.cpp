#include "RlayLockstep.h"

#include <chrono>

namespace rlay {

const char* LinkStateName(ELinkState State)
{
    switch (State) {
        case ELinkState::Idle: return "idle";
        case ELinkState::Listening: return "listening";
        case ELinkState::Connecting: return "connecting";
        case ELinkState::Connected: return "connected";
        case ELinkState::Disconnected: return "disconnected";
    }
    return "unknown";
}

/// The environment the session on the I/O thread sees: it forwards every command to the
/// game thread and waits for the answer. It is a multi-agent env exactly when the spec
/// declares agents.
class LockstepLink::FProxy final : public IMultiAgentEnvironment {
public:
    explicit FProxy(LockstepLink& InOwner) : Owner(InOwner) {}

    Status Open(const std::string& RenderMode, v1::EnvSpec& Out) override
    {
        const v1::EnvSpec& Declared = Owner.Spec;
        bool bKnown = RenderMode.empty();
        for (const std::string& Known : Declared.render_modes) bKnown = bKnown || Known == RenderMode;
        if (!bKnown) return Status::Invalid("render mode '" + RenderMode + "' is not supported by " + Declared.env_id);
        Out = Declared;
        Out.render_mode = RenderMode;
        std::lock_guard<std::mutex> Guard(Owner.Lock);
        Owner.Mode = RenderMode;
        return Status::Success();
    }
    Status Reset(const ResetArgs& Args, ResetResult& Result) override
    {
        LockstepCommand Command;
        Command.Kind = LockstepCommand::EKind::Reset;
        Command.Reset = &Args;
        Command.ResetOut = &Result;
        return Owner.Forward(Command);
    }
    Status Step(const std::vector<v1::Value>& Actions, StepResult& Result) override
    {
        LockstepCommand Command;
        Command.Kind = LockstepCommand::EKind::Step;
        Command.Actions = &Actions;
        Command.StepOut = &Result;
        return Owner.Forward(Command);
    }
    Status Render(std::vector<v1::Value>& Frames) override
    {
        LockstepCommand Command;
        Command.Kind = LockstepCommand::EKind::Render;
        Command.Frames = &Frames;
        return Owner.Forward(Command);
    }
    Status Call(const std::string& Name, const v1::Value& Argument, v1::Value& Result) override
    {
        LockstepCommand Command;
        Command.Kind = LockstepCommand::EKind::Call;
        Command.CallName = Name;
        Command.CallArgument = &Argument;
        Command.CallResult = &Result;
        return Owner.Forward(Command);
    }
    Status ResetAgents(std::optional<uint64_t> Seed, const v1::Value* ResetOptions, AgentReports& Out) override
    {
        LockstepCommand Command;
        Command.Kind = LockstepCommand::EKind::ResetAgents;
        Command.Seed = Seed;
        Command.Options = ResetOptions;
        Command.Reports = &Out;
        return Owner.Forward(Command);
    }
    Status StepAgents(const std::vector<AgentAction>& Actions, AgentReports& Out) override
    {
        LockstepCommand Command;
        Command.Kind = LockstepCommand::EKind::StepAgents;
        Command.AgentActions = &Actions;
        Command.Reports = &Out;
        return Owner.Forward(Command);
    }
    IMultiAgentEnvironment* AsMultiAgent() override { return IsMultiAgent(Owner.Spec) ? this : nullptr; }

private:
    LockstepLink& Owner;
};

LockstepLink::LockstepLink() = default;

LockstepLink::~LockstepLink() { Stop(); }

bool LockstepLink::Listen(const Address& Where, v1::EnvSpec InSpec, EnvSessionOptions InOptions, std::string& Error)
{
    Stop();
    if (!Listening.Listen(Where, Error)) return false;
    Spec = std::move(InSpec);
    Options = std::move(InOptions);
    bListens = true;
    bStopping.store(false);
    StateValue.store(ELinkState::Listening);
    Worker = std::thread([this] { ServeListening(); });
    return true;
}

void LockstepLink::Dial(const Address& Where, v1::EnvSpec InSpec, EnvSessionOptions InOptions, int ConnectTimeoutMs)
{
    Stop();
    Spec = std::move(InSpec);
    Options = std::move(InOptions);
    bListens = false;
    bStopping.store(false);
    StateValue.store(ELinkState::Connecting);
    Worker = std::thread([this, Where, ConnectTimeoutMs] { ServeDialled(Where, ConnectTimeoutMs); });
}

void LockstepLink::Stop()
{
    bStopping.store(true);
    Listening.Close();
    {
        std::lock_guard<std::mutex> Guard(Lock);
        if (EnvSession* Session = Current.load()) Session->Stop();
    }
    Changed.notify_all();
    if (Worker.joinable()) Worker.join();
    StateValue.store(ELinkState::Idle);
}

void LockstepLink::ServeListening()
{
    while (!bStopping.load()) {
        Connection Link;
        EIo Result = Listening.Accept(Link, 200);
        if (Result == EIo::TimedOut) continue;
        if (Result != EIo::Ok) break;
        ServeOne(Link);
        if (!bStopping.load()) StateValue.store(ELinkState::Listening);
    }
}

void LockstepLink::ServeDialled(Address Where, int ConnectTimeoutMs)
{
    Connection Link;
    std::string Error;
    if (!rlay::Dial(Where, ConnectTimeoutMs, Link, Error)) {
        SetMessage(Error);
        Log(ELogLevel::Warning, "could not reach the trainer: " + Error + "; the game plays on without it");
        StateValue.store(ELinkState::Disconnected);
        return;
    }
    ServeOne(Link);
    StateValue.store(ELinkState::Disconnected);
}

void LockstepLink::ServeOne(Connection& Link)
{
    FProxy Proxy(*this);
    EnvSession Session(Link, Proxy, Options);
    {
        std::lock_guard<std::mutex> Guard(Lock);
        Current.store(&Session);
        if (bStopping.load()) Session.Stop();
    }
    StateValue.store(ELinkState::Connected);
    ESessionEnd End = Session.Run();
    {
        std::lock_guard<std::mutex> Guard(Lock);
        Current.store(nullptr);
        Mode.clear();
    }
    SetMessage(std::string("the trainer session ended (") + SessionEndName(End) + ")" +
               (Session.EndMessage().empty() ? "" : ": " + Session.EndMessage()));
    Log(End == ESessionEnd::Closed ? ELogLevel::Info : ELogLevel::Warning, LastMessage());
}

Status LockstepLink::Forward(LockstepCommand& Command)
{
    std::unique_lock<std::mutex> Guard(Lock);
    Pending = &Command;
    bTaken = false;
    bDone = false;
    Changed.notify_all();
    // The game thread answers between frames; waiting in slices notices Stop.
    while (!bDone && !bStopping.load()) Changed.wait_for(Guard, std::chrono::milliseconds(100));
    if (!bDone) {
        // Stopping: the game thread may hold the command; it must not be answered any more.
        Pending = nullptr;
        return Status::EnvError("the game is shutting down");
    }
    Pending = nullptr;
    ++Served;
    return Outcome;
}

LockstepCommand* LockstepLink::Poll(int WaitMs)
{
    std::unique_lock<std::mutex> Guard(Lock);
    auto Ready = [this] { return Pending != nullptr && !bTaken; };
    if (!Ready() && WaitMs > 0) Changed.wait_for(Guard, std::chrono::milliseconds(WaitMs), Ready);
    if (!Ready()) return nullptr;
    bTaken = true;
    return Pending;
}

void LockstepLink::Complete(Status Result)
{
    std::lock_guard<std::mutex> Guard(Lock);
    if (Pending == nullptr || !bTaken) return;
    Outcome = std::move(Result);
    bDone = true;
    Changed.notify_all();
}

std::string LockstepLink::ListenAddress() const
{
    if (!bListens || StateValue.load() == ELinkState::Idle) return "";
    return Listening.Bound().ToString();
}

std::string LockstepLink::LastMessage() const
{
    std::lock_guard<std::mutex> Guard(Lock);
    return Message;
}

std::string LockstepLink::RenderMode() const
{
    std::lock_guard<std::mutex> Guard(Lock);
    return Mode;
}

void LockstepLink::SetMessage(const std::string& Text)
{
    std::lock_guard<std::mutex> Guard(Lock);
    Message = Text;
}

}  // namespace rlay
