// Tensors, values and spaces: every dtype (float16 included), batching and the checks
// that turn a wrong action into INVALID_ARGUMENT.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "RlaySpaceValues.h"
#include "RlaySpaces.h"
#include "RlayTensors.h"
#include "RlayValues.h"

using rlay::v1::Dtype;

TEST(Tensors, ItemSizesAndNames)
{
    EXPECT_EQ(rlay::ItemSize(Dtype::Bool), 1u);
    EXPECT_EQ(rlay::ItemSize(Dtype::Float16), 2u);
    EXPECT_EQ(rlay::ItemSize(Dtype::Uint32), 4u);
    EXPECT_EQ(rlay::ItemSize(Dtype::Float64), 8u);
    EXPECT_EQ(rlay::ItemSize(Dtype::Unspecified), 0u);
    EXPECT_EQ(rlay::DtypeName(Dtype::Uint16), "uint16");
    EXPECT_EQ(rlay::ShapeString({4}), "(4,)");
    EXPECT_EQ(rlay::ShapeString({84, 84, 3}), "(84, 84, 3)");
}

TEST(Tensors, EveryHalfRoundTripsThroughFloat)
{
    int Checked = 0;
    for (uint32_t Bits = 0; Bits <= 0xFFFF; ++Bits) {
        float Value = rlay::HalfToFloat(static_cast<uint16_t>(Bits));
        if (std::isnan(Value)) continue;
        EXPECT_EQ(rlay::FloatToHalf(Value), Bits) << Bits;
        ++Checked;
    }
    EXPECT_EQ(Checked, 65536 - 2046);  // every half but the NaNs
}

TEST(Tensors, FloatToHalfRoundsToNearestEven)
{
    EXPECT_EQ(rlay::FloatToHalf(1.5f), 0x3E00);
    EXPECT_EQ(rlay::FloatToHalf(-0.0f), 0x8000);
    EXPECT_EQ(rlay::FloatToHalf(65520.0f), 0x7C00);  // rounds up to infinity
    EXPECT_EQ(rlay::FloatToHalf(6.0e-8f), 0x0001);   // the smallest subnormal
    EXPECT_EQ(rlay::FloatToHalf(1.0f + 1.0f / 2048.0f), 0x3C00);  // a tie: to even
    EXPECT_EQ(rlay::FloatToHalf(1.0f + 3.0f / 2048.0f), 0x3C02);  // a tie: to even, upward
    EXPECT_EQ(rlay::FloatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
}

template <typename T>
void ExpectRoundTrip(std::vector<T> Values, Dtype Expected)
{
    rlay::v1::Tensor Tensor = rlay::MakeTensor(Values);
    EXPECT_EQ(Tensor.dtype, Expected);
    EXPECT_TRUE(rlay::ValidateTensor(Tensor).Ok());
    std::vector<T> Back;
    ASSERT_TRUE(rlay::CopyTensor(Tensor, Back).Ok());
    EXPECT_EQ(Back, Values);
}

TEST(Tensors, EveryDtypeRoundTrips)
{
    ExpectRoundTrip<bool>({true, false, true}, Dtype::Bool);
    ExpectRoundTrip<int8_t>({-128, 0, 127}, Dtype::Int8);
    ExpectRoundTrip<int16_t>({-32768, 32767}, Dtype::Int16);
    ExpectRoundTrip<int32_t>({std::numeric_limits<int32_t>::min(), 5}, Dtype::Int32);
    ExpectRoundTrip<int64_t>({std::numeric_limits<int64_t>::min(), -1}, Dtype::Int64);
    ExpectRoundTrip<uint8_t>({0, 255}, Dtype::Uint8);
    ExpectRoundTrip<uint16_t>({65535}, Dtype::Uint16);
    ExpectRoundTrip<uint32_t>({4294967295u}, Dtype::Uint32);
    ExpectRoundTrip<uint64_t>({std::numeric_limits<uint64_t>::max()}, Dtype::Uint64);
    ExpectRoundTrip<float>({0.1f, -0.0f}, Dtype::Float32);
    ExpectRoundTrip<double>({3.14159, -1e300}, Dtype::Float64);
    const float Halves[] = {1.5f, -2.0f, 0.0f};
    rlay::v1::Tensor Half = rlay::MakeHalfTensor(Halves, 3);
    std::vector<float> Back;
    ASSERT_TRUE(rlay::CopyHalfTensor(Half, Back).Ok());
    EXPECT_EQ(Back, std::vector<float>(Halves, Halves + 3));
}

TEST(Tensors, WrongSizesAndDtypesAreInvalid)
{
    rlay::v1::Tensor Tensor = rlay::MakeTensor<int32_t>({1, 2, 3});
    Tensor.data.pop_back();
    rlay::Status Result = rlay::ValidateTensor(Tensor);
    EXPECT_EQ(Result.Code, rlay::v1::ErrorCode::InvalidArgument);
    EXPECT_NE(Result.Message.find("needs 12 bytes, got 11"), std::string::npos) << Result.Message;
    std::vector<float> Wrong;
    EXPECT_FALSE(rlay::CopyTensor(rlay::MakeTensor<int32_t>({1}), Wrong).Ok());
    Tensor.shape = {-1};
    EXPECT_FALSE(rlay::ValidateTensor(Tensor).Ok());
}

TEST(SpaceValues, BatchAndUnbatchAreInverse)
{
    rlay::v1::Space Space = rlay::DictSpace({
        {"pos", rlay::BoxSpace(Dtype::Float32, -1, 1, {2})},
        {"n", rlay::DiscreteSpace(3)},
        {"pair", rlay::TupleSpace({rlay::MultiBinarySpace({2}), rlay::TextSpace(3, 0, "ab")})},
    });
    std::vector<rlay::v1::Value> Elements;
    for (int I = 0; I < 3; ++I) {
        Elements.push_back(rlay::MapOf({
            {"pos", rlay::TensorValue(rlay::MakeTensor<float>({0.5f * static_cast<float>(I), -0.5f}))},
            {"n", rlay::IntValue(I)},
            {"pair", rlay::TupleOf({rlay::TensorValue(rlay::MakeTensor<int8_t>({1, 0})),
                                    rlay::StringValue(std::string(static_cast<size_t>(I), 'a'))})},
        }));
    }
    rlay::v1::Value Batch;
    ASSERT_TRUE(rlay::Batch(Space, Elements, Batch).Ok());
    const rlay::v1::Value* Pos = rlay::Get(Batch, "pos");
    ASSERT_NE(Pos, nullptr);
    EXPECT_EQ(Pos->tensor().shape, (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(rlay::Get(Batch, "n")->tensor().dtype, Dtype::Int64);
    std::vector<rlay::v1::Value> Back;
    ASSERT_TRUE(rlay::Unbatch(Space, Batch, 3, Back).Ok());
    for (int I = 0; I < 3; ++I) EXPECT_EQ(Back[static_cast<size_t>(I)].SerializeAsBytes(), Elements[static_cast<size_t>(I)].SerializeAsBytes());
}

TEST(SpaceValues, ActionsOutsideTheSpaceAreInvalidArguments)
{
    rlay::v1::Space Space = rlay::DictSpace({{"move", rlay::DiscreteSpace(5, -2)},
                                             {"aim", rlay::BoxSpace(Dtype::Float32, -1, 1, {2})}});
    auto Actions = [](int64_t Move, std::vector<float> Aim, std::vector<int64_t> Shape) {
        rlay::v1::Tensor Moves = rlay::MakeTensor<int64_t>({Move});
        return rlay::MapOf({{"move", rlay::TensorValue(Moves)}, {"aim", rlay::TensorValue(rlay::MakeTensor(Aim, Shape))}});
    };
    std::vector<rlay::v1::Value> Out;
    EXPECT_TRUE(rlay::Unbatch(Space, Actions(2, {0.5f, -1.0f}, {1, 2}), 1, Out).Ok());
    rlay::Status Outside = rlay::Unbatch(Space, Actions(3, {0.5f, -1.0f}, {1, 2}), 1, Out);
    EXPECT_EQ(Outside.Code, rlay::v1::ErrorCode::InvalidArgument);
    EXPECT_NE(Outside.Message.find("actions[0]['move']: 3 is outside Discrete(5, start=-2)"), std::string::npos)
        << Outside.Message;
    rlay::Status Bounds = rlay::Unbatch(Space, Actions(0, {1.5f, 0.0f}, {1, 2}), 1, Out);
    EXPECT_NE(Bounds.Message.find("outside the Box bounds"), std::string::npos) << Bounds.Message;
    rlay::Status Shape = rlay::Unbatch(Space, Actions(0, {0.5f, 0.5f}, {2, 1}), 1, Out);
    EXPECT_NE(Shape.Message.find("expected shape (1, 2), got (2, 1)"), std::string::npos) << Shape.Message;
    rlay::Status Kind = rlay::Unbatch(Space, rlay::IntValue(1), 1, Out);
    EXPECT_NE(Kind.Message.find("expected a map_value, got int_value"), std::string::npos) << Kind.Message;
}

TEST(SpaceValues, TextCountsCharactersNotBytes)
{
    rlay::v1::Space Space = rlay::TextSpace(2, 1, "a\xc3\xa9");
    EXPECT_TRUE(rlay::CheckElement(Space, rlay::StringValue("\xc3\xa9\xc3\xa9"), "x").Ok());
    EXPECT_FALSE(rlay::CheckElement(Space, rlay::StringValue("aaa"), "x").Ok());
    EXPECT_FALSE(rlay::CheckElement(Space, rlay::StringValue("b"), "x").Ok());
}

TEST(SpaceValues, HugeEmptyBatchesAreRefusedBeforeAllocating)
{
    // [2^30, 0] holds no bytes, so its size checks out; the element count must not.
    rlay::v1::Space Space = rlay::BoxSpace(Dtype::Float32, -1, 1, {0});
    rlay::v1::Value Batch = rlay::TensorValue(rlay::MakeTensorOfBytes(Dtype::Float32, {}, {int64_t(1) << 30, 0}));
    std::vector<rlay::v1::Value> Out;
    rlay::Status Result = rlay::Unbatch(Space, Batch, size_t(1) << 30, Out);
    EXPECT_EQ(Result.Code, rlay::v1::ErrorCode::InvalidArgument);
    EXPECT_NE(Result.Message.find("exceed the limit"), std::string::npos) << Result.Message;
    rlay::v1::Space Sequence = rlay::SequenceSpace(Space, true);
    EXPECT_FALSE(rlay::CheckElement(Sequence, Batch, "obs").Ok());
}
