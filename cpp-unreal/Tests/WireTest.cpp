// The generated codec against the golden vectors (bytes level; their JSON is checked by
// codegen/tests/test_cpp_codec.py with the official protobuf runtime) and hostile input.
#include <gtest/gtest.h>

#include <cstdio>
#include <dirent.h>
#include <string>
#include <vector>

#include "RlayService.g.h"
#include "RlaySession.g.h"

namespace {

std::vector<uint8_t> ReadFile(const std::string& Path)
{
    std::vector<uint8_t> Data;
    std::FILE* File = std::fopen(Path.c_str(), "rb");
    if (File == nullptr) return Data;
    uint8_t Buffer[4096];
    size_t Count;
    while ((Count = std::fread(Buffer, 1, sizeof Buffer, File)) > 0) Data.insert(Data.end(), Buffer, Buffer + Count);
    std::fclose(File);
    return Data;
}

std::string MessageName(const std::string& JsonPath)
{
    std::vector<uint8_t> Raw = ReadFile(JsonPath);
    std::string Text(Raw.begin(), Raw.end());
    size_t Key = Text.find("\"message\"");
    size_t Open = Text.find('"', Text.find(':', Key));
    size_t Close = Text.find('"', Open + 1);
    return Text.substr(Open + 1, Close - Open - 1);
}

template <typename T>
::testing::AssertionResult RoundTrips(const std::vector<uint8_t>& Data)
{
    T Message;
    if (!Message.ParseFromArray(Data.data(), Data.size())) return ::testing::AssertionFailure() << "does not decode";
    if (Message.SerializeAsBytes() != Data) return ::testing::AssertionFailure() << "re-encodes differently";
    return ::testing::AssertionSuccess();
}

}  // namespace

TEST(Wire, EveryGoldenVectorDecodesAndReencodesIdentically)
{
    DIR* Dir = opendir(RLAY_VECTORS_DIR);
    ASSERT_NE(Dir, nullptr);
    int Checked = 0;
    while (dirent* Entry = readdir(Dir)) {
        std::string File = Entry->d_name;
        if (File.size() < 6 || File.substr(File.size() - 6) != ".binpb") continue;
        std::string Base = std::string(RLAY_VECTORS_DIR) + "/" + File.substr(0, File.size() - 6);
        std::vector<uint8_t> Data = ReadFile(Base + ".binpb");
        std::string Name = MessageName(Base + ".json");
        ::testing::AssertionResult Result = ::testing::AssertionFailure() << "unknown message " << Name;
        if (Name == "rlay.v1.SessionRequest") Result = RoundTrips<rlay::v1::SessionRequest>(Data);
        if (Name == "rlay.v1.SessionResponse") Result = RoundTrips<rlay::v1::SessionResponse>(Data);
        if (Name == "rlay.v1.AttachRequest") Result = RoundTrips<rlay::v1::AttachRequest>(Data);
        if (Name == "rlay.v1.AttachResponse") Result = RoundTrips<rlay::v1::AttachResponse>(Data);
        if (Name == "rlay.v1.EnvSpec") Result = RoundTrips<rlay::v1::EnvSpec>(Data);
        if (Name == "rlay.v1.ProtocolVersion") Result = RoundTrips<rlay::v1::ProtocolVersion>(Data);
        if (Name == "rlay.v1.Space") Result = RoundTrips<rlay::v1::Space>(Data);
        if (Name == "rlay.v1.Value") Result = RoundTrips<rlay::v1::Value>(Data);
        if (Name == "rlay.v1.Tensor") Result = RoundTrips<rlay::v1::Tensor>(Data);
        if (Name == "rlay.v1.Seed") Result = RoundTrips<rlay::v1::Seed>(Data);
        if (Name == "rlay.v1.AgentSpec") Result = RoundTrips<rlay::v1::AgentSpec>(Data);
        if (Name == "rlay.v1.BehaviorSpec") Result = RoundTrips<rlay::v1::BehaviorSpec>(Data);
        if (Name == "rlay.v1.AgentActions") Result = RoundTrips<rlay::v1::AgentActions>(Data);
        EXPECT_TRUE(Result) << File;
        ++Checked;
    }
    closedir(Dir);
    EXPECT_GT(Checked, 50);
}

TEST(Wire, TruncatedFramesNeverDecodeAndNeverCrash)
{
    std::vector<uint8_t> Data = ReadFile(std::string(RLAY_VECTORS_DIR) + "/response_step.binpb");
    ASSERT_FALSE(Data.empty());
    for (size_t Cut = 0; Cut < Data.size(); ++Cut) {
        rlay::v1::SessionResponse Message;
        // Every prefix either fails or (when it ends between fields) decodes to something smaller.
        if (Message.ParseFromArray(Data.data(), Cut)) {
            EXPECT_LT(Message.ByteSize(), Data.size());
        }
    }
}

TEST(Wire, DeepNestingIsRefused)
{
    // Each Value -> ValueList -> Value adds two levels; the reader allows 100.
    auto Nest = [](int Levels) {
        rlay::v1::Value Current;
        Current.set_int_value(7);
        for (int I = 0; I < Levels; ++I) {
            rlay::v1::Value Outer;
            Outer.mutable_list_value()->items.push_back(std::move(Current));
            Current = std::move(Outer);
        }
        return Current.SerializeAsBytes();
    };
    rlay::Bytes Allowed = Nest(49);
    rlay::Bytes Refused = Nest(60);
    rlay::v1::Value Parsed;
    EXPECT_TRUE(Parsed.ParseFromArray(Allowed.data(), Allowed.size()));
    EXPECT_FALSE(Parsed.ParseFromArray(Refused.data(), Refused.size()));
}

TEST(Wire, InvalidUtf8StringsAreRefused)
{
    const uint8_t Bad[] = {0x2a, 0x03, 0x0a, 0x01, 0xc3};  // SessionRequest.call.name = "\xc3"
    rlay::v1::SessionRequest Message;
    EXPECT_FALSE(Message.ParseFromArray(Bad, sizeof Bad));
    EXPECT_TRUE(rlay::IsValidUtf8("a\xc3\xa9\xe4\xb8\xad", 6));
    EXPECT_FALSE(rlay::IsValidUtf8("\xed\xa0\x80", 3));  // a surrogate
    EXPECT_FALSE(rlay::IsValidUtf8("\xc0\xaf", 2));      // an overlong
}
