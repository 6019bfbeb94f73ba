// The env side over real sockets: the handshake, the recoverable-error rules, hostile
// connections that must not block others, a taken port, a dialler that retries.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <unistd.h>

#include "ConformanceEnvironment.h"
#include "RlayHost.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace {

using rlay::v1::ErrorCode;

rlay::EnvFactory Factory(const std::string& Name)
{
    return [Name] { return rlay::conformance::MakeEnvironment(Name); };
}

rlay::Address Loopback()
{
    rlay::Address Where;
    std::string Error;
    rlay::Address::Parse("tcp://127.0.0.1:0", Where, Error);
    return Where;
}

/// A test agent speaking raw frames.
struct FAgent {
    rlay::Connection Link;

    bool Connect(const rlay::Address& Where)
    {
        std::string Error;
        return rlay::Dial(Where, 5000, Link, Error);
    }
    void Send(const rlay::v1::SessionRequest& Request)
    {
        rlay::Bytes Frame;
        rlay::EncodeFrame(Request, Frame);
        ASSERT_EQ(Link.SendFrame(Frame, 5000), rlay::EIo::Ok);
    }
    rlay::EIo Receive(rlay::v1::SessionResponse& Response, int TimeoutMs = 10000)
    {
        rlay::Bytes Frame;
        rlay::EIo Result = Link.ReceiveFrame(Frame, TimeoutMs, TimeoutMs, rlay::DefaultMaxFrameSize);
        if (Result == rlay::EIo::Ok && !Response.ParseFromArray(Frame.data(), Frame.size())) return rlay::EIo::Failed;
        return Result;
    }
    rlay::v1::SessionResponse Call(const rlay::v1::SessionRequest& Request)
    {
        Send(Request);
        rlay::v1::SessionResponse Response;
        EXPECT_EQ(Receive(Response), rlay::EIo::Ok);
        return Response;
    }
    rlay::v1::SessionResponse Hello(uint32_t Major = 1, const std::string& Token = "",
                                    std::vector<std::string> Capabilities = {})
    {
        rlay::v1::SessionRequest Request;
        rlay::v1::Hello* Hello = Request.mutable_hello();
        Hello->mutable_protocol_version()->major = Major;
        Hello->mutable_protocol_version()->minor = 1;
        Hello->implementation = "test";
        Hello->token = Token;
        Hello->capabilities = std::move(Capabilities);
        return Call(Request);
    }
    rlay::v1::SessionResponse Reset(uint64_t Seed)
    {
        rlay::v1::SessionRequest Request;
        Request.mutable_reset()->seeds.emplace_back();
        Request.mutable_reset()->seeds.back().set_value(Seed);
        return Call(Request);
    }
    rlay::v1::SessionResponse Step(int64_t Action)
    {
        rlay::v1::SessionRequest Request;
        *Request.mutable_step()->mutable_actions() = rlay::TensorValue(rlay::MakeTensor<int64_t>({Action}));
        return Call(Request);
    }
    /// True when the env side closed the connection.
    bool Closed()
    {
        rlay::v1::SessionResponse Response;
        return Receive(Response, 5000) == rlay::EIo::Closed;
    }
};

}  // namespace

TEST(Session, HandshakeResetStepAndClose)
{
    rlay::Server Host(Factory("episodes"));
    std::string Error;
    ASSERT_TRUE(Host.Start(Loopback(), Error)) << Error;
    FAgent Agent;
    ASSERT_TRUE(Agent.Connect(Host.Bound()));
    rlay::v1::SessionResponse Hello = Agent.Hello();
    ASSERT_TRUE(Hello.has_hello());
    EXPECT_EQ(Hello.hello().implementation, "rlay-cpp");
    EXPECT_EQ(Hello.hello().env_spec().env_id, "conformance/episodes");
    EXPECT_EQ(Hello.hello().env_spec().max_episode_steps, 6u);
    rlay::v1::SessionResponse Reset = Agent.Reset(0);
    ASSERT_TRUE(Reset.has_reset());
    std::vector<int64_t> Observation;
    ASSERT_TRUE(rlay::CopyTensor(Reset.reset().observations().tensor(), Observation).Ok());
    // ENVIRONMENTS.md's check value: episodes, seed 0.
    EXPECT_EQ(Observation, (std::vector<int64_t>{0, 0, 6, 1896895516}));
    rlay::v1::SessionResponse Step = Agent.Step(2);
    ASSERT_TRUE(Step.has_step());
    std::vector<double> Rewards;
    ASSERT_TRUE(rlay::CopyTensor(Step.step().rewards(), Rewards).Ok());
    EXPECT_EQ(Rewards, std::vector<double>{0.0});  // p = 2: 2 / 2 - 1
    rlay::v1::SessionRequest Close;
    Close.mutable_close();
    EXPECT_TRUE(Agent.Call(Close).has_close());
    EXPECT_TRUE(Agent.Closed());
    Host.Stop(3000);
}

TEST(Session, AMultiAgentEnvRequiresTheCapabilityAfterTheTokenCheck)
{
    rlay::EnvSessionOptions Options;
    Options.Token = "secret";
    rlay::Server Host(Factory("multi-agent"), Options);
    std::string Error;
    ASSERT_TRUE(Host.Start(Loopback(), Error)) << Error;
    FAgent Wrong;
    ASSERT_TRUE(Wrong.Connect(Host.Bound()));
    EXPECT_EQ(Wrong.Hello(1, "guess").error().code, ErrorCode::Unauthenticated);
    FAgent Single;
    ASSERT_TRUE(Single.Connect(Host.Bound()));
    rlay::v1::SessionResponse Refused = Single.Hello(1, "secret");
    EXPECT_EQ(Refused.error().code, ErrorCode::CapabilityRequired);
    EXPECT_NE(Refused.error().message.find("multi_agent"), std::string::npos);
    EXPECT_NE(Refused.error().message.find("conformance/multi-agent"), std::string::npos);
    EXPECT_TRUE(Single.Closed());
    // The listener keeps serving others.
    FAgent Multi;
    ASSERT_TRUE(Multi.Connect(Host.Bound()));
    rlay::v1::SessionResponse Hello = Multi.Hello(1, "secret", {"multi_agent"});
    ASSERT_TRUE(Hello.has_hello());
    const std::vector<std::string>& Offered = Hello.hello().capabilities;
    EXPECT_NE(std::find(Offered.begin(), Offered.end(), "multi_agent"), Offered.end());
    EXPECT_EQ(Hello.hello().protocol_version().minor, 1u);
    EXPECT_EQ(Hello.hello().env_spec().agents.size(), 5u);
    EXPECT_FALSE(Hello.hello().env_spec().has_observation_space());
    rlay::v1::SessionResponse Reset = Multi.Reset(0);
    ASSERT_TRUE(Reset.has_reset());
    EXPECT_FALSE(Reset.reset().has_observations());
    EXPECT_EQ(Reset.reset().agents.size(), 2u);
    // A single-agent step is refused and the session goes on.
    EXPECT_EQ(Multi.Step(1).error().code, ErrorCode::InvalidArgument);
    EXPECT_TRUE(Multi.Reset(1).has_reset());
    Host.Stop(3000);
}

TEST(Session, CommandErrorsLeaveTheSessionGoing)
{
    rlay::Server Host(Factory("control"));
    std::string Error;
    ASSERT_TRUE(Host.Start(Loopback(), Error)) << Error;
    FAgent Agent;
    ASSERT_TRUE(Agent.Connect(Host.Bound()));
    ASSERT_TRUE(Agent.Hello().has_hello());
    EXPECT_EQ(Agent.Step(1).error().code, ErrorCode::FailedPrecondition);
    ASSERT_TRUE(Agent.Reset(1).has_reset());
    EXPECT_EQ(Agent.Step(7).error().code, ErrorCode::InvalidArgument);
    rlay::v1::SessionResponse Refused = Agent.Step(3);
    EXPECT_EQ(Refused.error().code, ErrorCode::Env);
    EXPECT_NE(Refused.error().message.find("action 3 is refused"), std::string::npos);
    rlay::v1::SessionRequest Call;
    Call.mutable_call()->name = "no_such_call";
    EXPECT_EQ(Agent.Call(Call).error().code, ErrorCode::Unimplemented);
    EXPECT_TRUE(Agent.Step(1).has_step());
    Host.Stop(3000);
}

TEST(Session, RefusedHandshakesCloseTheConnection)
{
    rlay::EnvSessionOptions Options;
    Options.Token = "secret";
    rlay::Server Host(Factory("episodes"), Options);
    std::string Error;
    ASSERT_TRUE(Host.Start(Loopback(), Error)) << Error;
    FAgent Old;
    ASSERT_TRUE(Old.Connect(Host.Bound()));
    EXPECT_EQ(Old.Hello(2, "secret").error().code, ErrorCode::VersionMismatch);
    EXPECT_TRUE(Old.Closed());
    FAgent Stranger;
    ASSERT_TRUE(Stranger.Connect(Host.Bound()));
    EXPECT_EQ(Stranger.Hello(1, "guess").error().code, ErrorCode::Unauthenticated);
    EXPECT_TRUE(Stranger.Closed());
    FAgent Friend;
    ASSERT_TRUE(Friend.Connect(Host.Bound()));
    EXPECT_TRUE(Friend.Hello(1, "secret").has_hello());
    Host.Stop(3000);
}

TEST(Session, HostileConnectionsEndAloneAndBlockNoOne)
{
    rlay::Server Host(Factory("episodes"));
    std::string Error;
    ASSERT_TRUE(Host.Start(Loopback(), Error)) << Error;
    // A silent connection, a huge length prefix, and garbage, all at once.
    FAgent Silent;
    ASSERT_TRUE(Silent.Connect(Host.Bound()));
    FAgent Huge;
    ASSERT_TRUE(Huge.Connect(Host.Bound()));
    const uint8_t Header[4] = {0xff, 0xff, 0xff, 0x7f};
    ASSERT_EQ(Huge.Link.SendAll(Header, 4, 5000), rlay::EIo::Ok);
    rlay::v1::SessionResponse TooLarge;
    ASSERT_EQ(Huge.Receive(TooLarge), rlay::EIo::Ok);
    EXPECT_EQ(TooLarge.error().code, ErrorCode::FrameTooLarge);
    EXPECT_TRUE(Huge.Closed());
    FAgent Garbage;
    ASSERT_TRUE(Garbage.Connect(Host.Bound()));
    const uint8_t Frame[7] = {3, 0, 0, 0, 0xff, 0xff, 0xff};
    ASSERT_EQ(Garbage.Link.SendAll(Frame, sizeof Frame, 5000), rlay::EIo::Ok);
    rlay::v1::SessionResponse Malformed;
    ASSERT_EQ(Garbage.Receive(Malformed), rlay::EIo::Ok);
    EXPECT_EQ(Malformed.error().code, ErrorCode::Protocol);
    EXPECT_TRUE(Garbage.Closed());
    // Meanwhile a well-behaved agent is served in full.
    FAgent Good;
    ASSERT_TRUE(Good.Connect(Host.Bound()));
    ASSERT_TRUE(Good.Hello().has_hello());
    EXPECT_TRUE(Good.Reset(1).has_reset());
    EXPECT_TRUE(Good.Step(1).has_step());
    EXPECT_GE(Host.ActiveSessions(), 2u);  // the silent one is still waiting for its hello
    Host.Stop(3000);
    EXPECT_EQ(Host.ActiveSessions(), 0u);
}

TEST(Session, SilentAgentsTimeOut)
{
    rlay::EnvSessionOptions Options;
    Options.HelloTimeoutMs = 200;
    rlay::Server Host(Factory("episodes"), Options);
    std::string Error;
    ASSERT_TRUE(Host.Start(Loopback(), Error)) << Error;
    FAgent Silent;
    ASSERT_TRUE(Silent.Connect(Host.Bound()));
    EXPECT_TRUE(Silent.Closed());
    Host.Stop(3000);
}

TEST(Session, ATakenPortIsReportedNotShared)
{
    rlay::Server First(Factory("episodes"));
    std::string Error;
    ASSERT_TRUE(First.Start(Loopback(), Error)) << Error;
    rlay::Server Second(Factory("episodes"));
    EXPECT_FALSE(Second.Start(First.Bound(), Error));
    EXPECT_NE(Error.find("cannot listen on"), std::string::npos) << Error;
    First.Stop(3000);
}

TEST(Session, TheDiallerRetriesUntilTheAgentListens)
{
    std::string Path = "/tmp/rlay-cpp-test-" + std::to_string(getpid()) + ".sock";
    rlay::Address Where;
    std::string Error;
    ASSERT_TRUE(rlay::Address::Parse("unix://" + Path, Where, Error)) << Error;
    std::unique_ptr<rlay::IEnvironment> Env = rlay::conformance::MakeEnvironment("episodes");
    rlay::ESessionEnd End = rlay::ESessionEnd::Lost;
    std::string Message;
    std::thread EnvSide([&] { End = rlay::DialAndServe(Where, 10000, *Env, rlay::EnvSessionOptions(), Message); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing listens yet
    rlay::Listener AgentSide;
    ASSERT_TRUE(AgentSide.Listen(Where, Error)) << Error;
    FAgent Agent;
    ASSERT_EQ(AgentSide.Accept(Agent.Link, 10000), rlay::EIo::Ok);
    EXPECT_TRUE(Agent.Hello().has_hello());
    rlay::v1::SessionRequest Close;
    Close.mutable_close();
    EXPECT_TRUE(Agent.Call(Close).has_close());
    EnvSide.join();
    EXPECT_EQ(End, rlay::ESessionEnd::Closed) << Message;
    AgentSide.Close();
}

TEST(Session, DialGivesUpAtItsDeadline)
{
    rlay::Address Where;
    std::string Error;
    ASSERT_TRUE(rlay::Address::Parse("unix:///tmp/rlay-cpp-nobody-listens.sock", Where, Error));
    rlay::Connection Link;
    EXPECT_FALSE(rlay::Dial(Where, 200, Link, Error));
    EXPECT_FALSE(Error.empty());
}

TEST(Address, ParsesAndRefuses)
{
    rlay::Address Where;
    std::string Error;
    ASSERT_TRUE(rlay::Address::Parse("tcp://127.0.0.1:5555", Where, Error));
    EXPECT_EQ(Where.Port, 5555);
    EXPECT_EQ(Where.ToString(), "tcp://127.0.0.1:5555");
    ASSERT_TRUE(rlay::Address::Parse("tcp://[::1]:7", Where, Error));
    EXPECT_EQ(Where.Host, "::1");
    EXPECT_FALSE(rlay::Address::Parse("tcp://host", Where, Error));
    EXPECT_FALSE(rlay::Address::Parse("tcp://host:99999", Where, Error));
    EXPECT_FALSE(rlay::Address::Parse("unix://relative", Where, Error));
    EXPECT_FALSE(rlay::Address::Parse("ws://x:1", Where, Error));
}
