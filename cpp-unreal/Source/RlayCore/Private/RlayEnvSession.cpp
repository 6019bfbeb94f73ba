#include "RlayEnvSession.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "RlayAgentSession.h"
#include "RlaySpaceValues.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace rlay {

const char* const EnvSession::Implementation = "rlay-cpp";
const char* const EnvSession::ImplementationVersion = "1.0.0";

namespace {

std::atomic<LogSink> Sink{nullptr};
std::atomic<int> MinimumLevel{static_cast<int>(ELogLevel::Info)};

const char* LevelName(ELogLevel Level)
{
    switch (Level) {
        case ELogLevel::Debug: return "debug";
        case ELogLevel::Info: return "info";
        case ELogLevel::Warning: return "warning";
        case ELogLevel::Error: return "error";
    }
    return "log";
}

const char* CommandName(v1::SessionRequest::KindCase Kind)
{
    using K = v1::SessionRequest::KindCase;
    switch (Kind) {
        case K::Hello: return "hello";
        case K::Reset: return "reset";
        case K::Step: return "step";
        case K::Render: return "render";
        case K::Call: return "call";
        case K::Close: return "close";
        case K::NotSet: break;
    }
    return "nothing";
}

std::string CodeName(v1::ErrorCode Code)
{
    const char* Name = v1::EnumName(Code);
    return Name != nullptr ? Name : std::to_string(static_cast<int32_t>(Code));
}

bool TokensEqual(const std::string& A, const std::string& B)
{
    // Constant time, so the token cannot be guessed byte by byte.
    size_t Diff = A.size() ^ B.size();
    for (size_t I = 0; I < A.size() && I < B.size(); ++I) Diff |= static_cast<size_t>(A[I] ^ B[I]);
    return Diff == 0;
}

}  // namespace

bool IsRecoverable(v1::ErrorCode Code)
{
    return Code == v1::ErrorCode::Env || Code == v1::ErrorCode::InvalidArgument ||
           Code == v1::ErrorCode::Unimplemented || Code == v1::ErrorCode::FailedPrecondition;
}

void SetLogSink(LogSink NewSink) { Sink.store(NewSink); }

void SetLogLevel(ELogLevel Minimum) { MinimumLevel.store(static_cast<int>(Minimum)); }

void Log(ELogLevel Level, const std::string& Message)
{
    if (static_cast<int>(Level) < MinimumLevel.load()) return;
    LogSink Current = Sink.load();
    if (Current != nullptr) {
        Current(Level, Message);
        return;
    }
    std::fprintf(stderr, "rlay %s: %s\n", LevelName(Level), Message.c_str());
}

const char* SessionEndName(ESessionEnd End)
{
    switch (End) {
        case ESessionEnd::Closed: return "closed";
        case ESessionEnd::Refused: return "refused";
        case ESessionEnd::Lost: return "lost";
        case ESessionEnd::TimedOut: return "timed out";
        case ESessionEnd::ProtocolError: return "protocol error";
    }
    return "unknown";
}

// -- results -------------------------------------------------------------------------

void ResetResult::Prepare(size_t NumEnvs)
{
    Observations.assign(NumEnvs, v1::Value());
    Infos.assign(NumEnvs, v1::Value());
    ObservationBatch.Clear();
    bHasBatch = false;
}

void StepResult::Prepare(size_t NumEnvs)
{
    Observations.assign(NumEnvs, v1::Value());
    Infos.assign(NumEnvs, v1::Value());
    Rewards.assign(NumEnvs, 0.0);
    Terminated.assign(NumEnvs, false);
    Truncated.assign(NumEnvs, false);
    Finals.clear();
    ObservationBatch.Clear();
    bHasBatch = false;
}

void StepResult::AddFinal(size_t Index, v1::Value Observation, v1::Value Info)
{
    v1::FinalStep Final;
    Final.index = static_cast<uint32_t>(Index);
    *Final.mutable_observation() = std::move(Observation);
    if (Info.kind_case() == v1::Value::KindCase::NotSet) Info.mutable_map_value();
    *Final.mutable_info() = std::move(Info);
    Finals.push_back(std::move(Final));
}

// -- IEnvironment defaults -----------------------------------------------------------

IEnvironment::~IEnvironment() = default;

Status IEnvironment::Render(std::vector<v1::Value>& Frames)
{
    Frames.clear();
    return Status::Success();
}

Status IEnvironment::Call(const std::string& Name, const v1::Value& Argument, v1::Value& Result)
{
    (void)Argument;
    (void)Result;
    return Status::Unimplemented("this env has no call named '" + Name + "'");
}

void IEnvironment::Close() {}

// -- EnvSession ----------------------------------------------------------------------

EnvSession::EnvSession(Connection& InLink, IEnvironment& InEnv, EnvSessionOptions InOptions)
    : Link(InLink), Env(InEnv), Options(std::move(InOptions))
{
    Name = Options.Name.empty() ? Link.PeerName() : Options.Name;
}

EnvSession::~EnvSession() { Close(); }

ESessionEnd EnvSession::Run()
{
    ESessionEnd End = ESessionEnd::Closed;
    if (Handshake(End)) {
        while (ServeOne(Options.IdleTimeoutMs, End)) {
        }
    }
    Close();
    return End;
}

void EnvSession::Close()
{
    if (bClosed.exchange(true)) return;
    Link.Close();
    if (bOpened) Env.Close();
}

bool EnvSession::Receive(int IdleTimeoutMs, v1::SessionRequest& Request, ESessionEnd& End)
{
    uint32_t Length = 0;
    EIo Result = Link.ReceiveFrame(Frame, IdleTimeoutMs, Options.FrameTimeoutMs, Options.MaxFrameSize, &Length);
    switch (Result) {
        case EIo::Ok:
            break;
        case EIo::TooLarge:
            Fatal(v1::ErrorCode::FrameTooLarge, "frame of " + std::to_string(Length) + " bytes exceeds the maximum of " +
                                                    std::to_string(Options.MaxFrameSize));
            End = ESessionEnd::ProtocolError;
            return false;
        case EIo::TimedOut:
            EndText = "the agent sent nothing in time";
            Log(ELogLevel::Warning, Name + ": " + EndText + "; closing");
            End = ESessionEnd::TimedOut;
            return false;
        case EIo::Closed:
        case EIo::Failed:
            EndText = "the connection was closed";
            Log(ELogLevel::Debug, Name + ": " + EndText);
            End = ESessionEnd::Lost;
            return false;
    }
    ProtoReader Reader(Frame.data(), Frame.size());
    Request.Clear();
    if (!Request.MergeFrom(Reader)) {
        Fatal(v1::ErrorCode::Protocol, std::string("malformed frame: ") + Reader.Error());
        End = ESessionEnd::ProtocolError;
        return false;
    }
    // Do not keep a huge buffer alive after one large frame.
    if (Frame.capacity() > 64u * 1024u * 1024u) Bytes().swap(Frame);
    return true;
}

bool EnvSession::Send(ESessionEnd& End)
{
    EncodeFrame(Response, SendBuffer);
    EIo Result = Link.SendFrame(SendBuffer, Options.FrameTimeoutMs);
    if (SendBuffer.capacity() > 64u * 1024u * 1024u) Bytes().swap(SendBuffer);
    if (Result == EIo::Ok) return true;
    EndText = std::string("sending failed: ") + IoName(Result);
    End = Result == EIo::TimedOut ? ESessionEnd::TimedOut : ESessionEnd::Lost;
    return false;
}

void EnvSession::Fatal(v1::ErrorCode Code, const std::string& Message)
{
    EndText = CodeName(Code) + ": " + Message;
    Log(ELogLevel::Warning, Name + ": " + EndText + "; closing the connection");
    Response.Clear();
    v1::Error* Error = Response.mutable_error();
    Error->code = Code;
    Error->message = Message;
    ESessionEnd Ignored;
    Send(Ignored);  // the agent may be gone already: nothing more to tell it
}

bool EnvSession::Handshake(ESessionEnd& End)
{
    v1::SessionRequest Request;
    if (!Receive(Options.HelloTimeoutMs, Request, End)) return false;
    End = ESessionEnd::Refused;
    if (!Request.has_hello()) {
        Fatal(v1::ErrorCode::Protocol, std::string("expected hello first, got ") + CommandName(Request.kind_case()));
        End = ESessionEnd::ProtocolError;
        return false;
    }
    const v1::Hello& Hello = Request.hello();
    uint32_t Major = Hello.protocol_version().major;
    uint32_t Minor = Hello.protocol_version().minor;
    if (Major != ProtocolMajor) {
        std::string Agent = Hello.implementation.empty() ? "unknown" : Hello.implementation;
        Fatal(v1::ErrorCode::VersionMismatch,
              "protocol version mismatch: the agent (" + Agent + " " + Hello.implementation_version + ") speaks " +
                  std::to_string(Major) + "." + std::to_string(Minor) + ", this env (" + Implementation + " " +
                  ImplementationVersion + ") speaks " + std::to_string(ProtocolMajor) + "." +
                  std::to_string(ProtocolMinor));
        return false;
    }
    if (!Options.Token.empty() && !TokensEqual(Hello.token, Options.Token)) {
        Fatal(v1::ErrorCode::Unauthenticated, "the agent's token is missing or wrong");
        return false;
    }
    bOpened = true;
    SpecValue.Clear();
    Agents.reset();
    Status Opened = Env.Open(Hello.render_mode, SpecValue);
    if (Opened.Ok() && IsMultiAgent(SpecValue)) {
        if (Env.AsMultiAgent() == nullptr) {
            Opened = Status::EnvError("the EnvSpec declares agents but the env is not an IMultiAgentEnvironment");
        } else {
            Agents.reset(new AgentSession());
            Opened = Agents->Open(SpecValue);
        }
    } else if (Opened.Ok() && (!SpecValue.has_observation_space() || !SpecValue.has_action_space())) {
        Opened = Status::EnvError("the EnvSpec needs an observation and an action space");
    }
    if (!Opened.Ok()) {
        Fatal(Opened.Code, "could not open the env: " + Opened.Message);
        return false;
    }
    const std::vector<std::string>& Offered = Hello.capabilities;
    if (Agents && std::find(Offered.begin(), Offered.end(), MultiAgentCapability) == Offered.end()) {
        // After the version and token checks, as the contract orders them.
        Fatal(v1::ErrorCode::CapabilityRequired, "the env '" + SpecValue.env_id +
                                                     "' is multi-agent: the agent side must list the capability '" +
                                                     MultiAgentCapability +
                                                     "' (protocol 1.1); connect with a multi-agent client");
        return false;
    }
    if (SpecValue.num_envs == 0) SpecValue.num_envs = 1;
    NumEnvs = SpecValue.num_envs;
    Response.Clear();
    v1::Hello* Reply = Response.mutable_hello();
    Reply->mutable_protocol_version()->major = ProtocolMajor;
    Reply->mutable_protocol_version()->minor = ProtocolMinor;
    Reply->implementation = Implementation;
    Reply->implementation_version = ImplementationVersion;
    Reply->capabilities = {"render", "call"};
    if (Agents) Reply->capabilities.push_back(MultiAgentCapability);
    *Reply->mutable_env_spec() = SpecValue;
    if (!Send(End)) return false;
    End = ESessionEnd::Closed;
    return true;
}

bool EnvSession::ServeOne(int IdleTimeoutMs, ESessionEnd& End)
{
    v1::SessionRequest Request;
    if (!Receive(IdleTimeoutMs, Request, End)) return false;
    using K = v1::SessionRequest::KindCase;
    K Kind = Request.kind_case();
    if (Kind == K::Close) {
        Response.Clear();
        Response.mutable_close();
        Send(End);
        End = ESessionEnd::Closed;
        return false;
    }
    if (Kind == K::NotSet || Kind == K::Hello) {
        Fatal(v1::ErrorCode::Protocol,
              Kind == K::Hello ? "hello sent twice" : "a request with no command after the handshake");
        End = ESessionEnd::ProtocolError;
        return false;
    }
    Response.Clear();
    Status Result;
    switch (Kind) {
        case K::Reset: Result = OnReset(Request.reset()); break;
        case K::Step: Result = OnStep(Request.step()); break;
        case K::Render: Result = OnRender(); break;
        case K::Call: Result = OnCall(Request.call()); break;
        default: break;
    }
    if (!Result.Ok()) {
        if (Result.Code == v1::ErrorCode::Env) {
            Log(ELogLevel::Warning, Name + ": the env failed during " + CommandName(Kind) + ": " + Result.Message);
        }
        Response.Clear();
        v1::Error* Error = Response.mutable_error();
        // An env that returns a session-ending code still only fails this command.
        Error->code = IsRecoverable(Result.Code) ? Result.Code : v1::ErrorCode::Env;
        Error->message = Result.Message;
    }
    return Send(End);
}

Status EnvSession::ObservationBatch(bool bHasBatch, v1::Value& Given, std::vector<v1::Value>& Elements, v1::Value& Out)
{
    if (bHasBatch) {
        Out = std::move(Given);
        return Status::Success();
    }
    for (size_t I = 0; I < Elements.size(); ++I) {
        if (Elements[I].kind_case() == v1::Value::KindCase::NotSet) {
            return Status::EnvError("the env gave no observation for sub-environment " + std::to_string(I));
        }
    }
    Status Batched = rlay::Batch(SpecValue.observation_space(), Elements, Out, "observations", false);
    // A wrong observation is the env's fault, not the agent's.
    if (!Batched.Ok()) return Status::EnvError("the env's observation does not fit its space: " + Batched.Message);
    return Status::Success();
}

Status EnvSession::OnReset(const v1::ResetRequest& Request)
{
    ResetArguments = ResetArgs();
    if (!Request.seeds.empty()) {
        if (Request.seeds.size() != NumEnvs) {
            return Status::Invalid("seeds: expected " + std::to_string(NumEnvs) + " seeds, got " +
                                   std::to_string(Request.seeds.size()));
        }
        for (const v1::Seed& Seed : Request.seeds) {
            ResetArguments.Seeds.push_back(Seed.has_value() ? std::optional<uint64_t>(Seed.value()) : std::nullopt);
        }
    }
    if (Request.has_options() && Request.options().kind_case() != v1::Value::KindCase::NotSet) {
        if (!Request.options().has_map_value()) {
            return Status::Invalid(std::string("options: expected a map_value, got ") + KindName(Request.options()));
        }
        ResetArguments.Options = &Request.options();
    }
    if (!Request.mask.empty()) {
        if (Request.mask.size() != NumEnvs) {
            return Status::Invalid("mask: expected " + std::to_string(NumEnvs) + " entries, got " +
                                   std::to_string(Request.mask.size()));
        }
        ResetArguments.Mask = Request.mask;
    }
    if (Agents) {
        Status Result = Agents->Reset(*Env.AsMultiAgent(), ResetArguments.Seed(0), ResetArguments.Options,
                                      *Response.mutable_reset());
        if (Result.Ok()) bHasReset = true;
        return Result;
    }
    ResetOut.Prepare(NumEnvs);
    Status Result = Env.Reset(ResetArguments, ResetOut);
    if (!Result.Ok()) return Result;
    v1::ResetResponse* Reply = Response.mutable_reset();
    Result = ObservationBatch(ResetOut.bHasBatch, ResetOut.ObservationBatch, ResetOut.Observations,
                              *Reply->mutable_observations());
    if (!Result.Ok()) return Result;
    AppendInfos(Reply->infos, ResetOut.Infos);
    bHasReset = true;
    return Status::Success();
}

Status EnvSession::OnStep(const v1::StepRequest& Request)
{
    if (Agents) return Agents->Step(*Env.AsMultiAgent(), Request, *Response.mutable_step());
    if (!bHasReset) return Status::Error(v1::ErrorCode::FailedPrecondition, "step before the first reset");
    Status Result = Unbatch(SpecValue.action_space(), Request.actions(), NumEnvs, Actions, "actions");
    if (!Result.Ok()) return Result;
    StepOut.Prepare(NumEnvs);
    Result = Env.Step(Actions, StepOut);
    if (!Result.Ok()) return Result;
    if (StepOut.Rewards.size() != NumEnvs || StepOut.Terminated.size() != NumEnvs ||
        StepOut.Truncated.size() != NumEnvs) {
        return Status::EnvError("the env's step result does not have one entry per sub-environment");
    }
    v1::StepResponse* Reply = Response.mutable_step();
    Result = ObservationBatch(StepOut.bHasBatch, StepOut.ObservationBatch, StepOut.Observations,
                              *Reply->mutable_observations());
    if (!Result.Ok()) return Result;
    *Reply->mutable_rewards() = MakeTensor(StepOut.Rewards);
    *Reply->mutable_terminated() = MakeTensor(StepOut.Terminated);
    *Reply->mutable_truncated() = MakeTensor(StepOut.Truncated);
    AppendInfos(Reply->infos, StepOut.Infos);
    for (v1::FinalStep& Final : StepOut.Finals) {
        if (Final.index >= NumEnvs) {
            return Status::EnvError("final step index " + std::to_string(Final.index) + " is outside the batch");
        }
        Status Checked = CheckElement(SpecValue.observation_space(), Final.observation(),
                                      "finals[" + std::to_string(Final.index) + "].observation", false);
        if (!Checked.Ok()) return Status::EnvError(Checked.Message);
        Reply->finals.push_back(std::move(Final));
    }
    return Status::Success();
}

Status EnvSession::OnRender()
{
    std::vector<v1::Value> Frames;
    Status Result = Env.Render(Frames);
    if (!Result.Ok()) return Result;
    Response.mutable_render()->frames = std::move(Frames);
    return Status::Success();
}

Status EnvSession::OnCall(const v1::CallRequest& Request)
{
    v1::Value Value;
    Status Result = Env.Call(Request.name, Request.value(), Value);
    if (!Result.Ok()) return Result;
    *Response.mutable_call()->mutable_value() = std::move(Value);
    return Status::Success();
}

}  // namespace rlay
