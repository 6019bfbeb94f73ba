#include "ConformanceEnvironment.h"

#include <algorithm>
#include <cstring>

#include "Draws.h"
#include "MultiAgentEnvironment.h"
#include "RlaySpaceValues.h"
#include "RlaySpaces.h"
#include "RlayTensors.h"
#include "RlayValues.h"

namespace rlay::conformance {

namespace {

using v1::Dtype;
using v1::Value;

struct FOutcome {
    double Reward = 0;
    bool bTerminated = false;
    bool bTruncated = false;
};

class FSubEnv {
public:
    virtual ~FSubEnv() = default;
    uint64_t Key = K0;
    int64_t T = 0;
    uint32_t Acc = FnvBasis;

    virtual const v1::Space& ObservationSpace() const = 0;
    virtual const v1::Space& ActionSpace() const = 0;
    uint64_t State() const { return Mix(Key ^ ((static_cast<uint64_t>(T) << 32) | Acc)); }

    void Reset(std::optional<uint64_t> Seed)
    {
        Key = Seed ? Mix(*Seed) : Mix(Key);
        T = 0;
        Acc = FnvBasis;
        OnReset();
    }

    Status Step(const Value& Action, FOutcome& Out)
    {
        Status Before = BeforeStep(Action);
        if (!Before.Ok()) return Before;
        Scratch.clear();
        ElementBytes(ActionSpace(), Action, Scratch);
        Acc = Fold(Acc, Scratch);
        ++T;
        AfterStep(Action);
        Out = Outcome();
        return Status::Success();
    }

    virtual Value Observe() = 0;
    virtual Value ResetInfo() { return EmptyMap(); }
    virtual Value StepInfo() { return EmptyMap(); }

protected:
    virtual void OnReset() {}
    virtual Status BeforeStep(const Value& Action)
    {
        (void)Action;
        return Status::Success();
    }
    virtual void AfterStep(const Value& Action) { (void)Action; }
    virtual FOutcome Outcome() = 0;

private:
    Bytes Scratch;
};

v1::Tensor I64(std::vector<int64_t> Values, std::vector<int64_t> Shape = {})
{
    return MakeTensor(Values, std::move(Shape));
}

// -- spaces ------------------------------------------------------------------------------

const char* const SpacesCharset = "aZ9 _\xc3\xa9\xce\xbb\xe4\xb8\xad";  // a Z 9 space _ é λ 中

class FSpacesEnv final : public FSubEnv {
public:
    const v1::Space& ObservationSpace() const override
    {
        static const v1::Space Space = BuildObservation();
        return Space;
    }
    const v1::Space& ActionSpace() const override
    {
        static const v1::Space Space = BuildAction();
        return Space;
    }

    Value Observe() override
    {
        uint64_t S = State();
        int64_t A = U(S, 0, 256);
        std::vector<uint8_t> Image(4 * 6 * 3);
        for (int Y = 0; Y < 4; ++Y)
            for (int X = 0; X < 6; ++X)
                for (int C = 0; C < 3; ++C)
                    Image[static_cast<size_t>((Y * 6 + X) * 3 + C)] =
                        static_cast<uint8_t>((A + 37 * Y + 11 * X + 101 * C) & 0xFF);
        std::vector<int8_t> I8(3);
        for (int I = 0; I < 3; ++I) I8[static_cast<size_t>(I)] = static_cast<int8_t>(U(S, 1 + I, 201) - 100);
        std::vector<int16_t> I16 = {static_cast<int16_t>(U(S, 4, 2001) - 1000), static_cast<int16_t>(U(S, 5, 5001) - 2000)};
        std::vector<int32_t> I32 = {static_cast<int32_t>(static_cast<uint32_t>(D(S, 6))),
                                    static_cast<int32_t>(static_cast<uint32_t>(D(S, 7)))};
        std::vector<int64_t> I64s = {static_cast<int64_t>(D(S, 8)), static_cast<int64_t>(D(S, 9))};
        std::vector<uint64_t> U64 = {D(S, 10), D(S, 11)};
        std::vector<uint16_t> U16 = {static_cast<uint16_t>(D(S, 12) & 0xFFFF), static_cast<uint16_t>(D(S, 13) & 0xFFFF)};
        std::vector<uint32_t> U32 = {static_cast<uint32_t>(D(S, 14)), static_cast<uint32_t>(D(S, 15))};
        std::vector<float> F32 = {static_cast<float>(U(S, 18, 1 << 21) - (1 << 20)) / 1024.0f,
                                  static_cast<float>(U(S, 19, 1 << 24)) / 256.0f,
                                  static_cast<float>(U(S, 20, 2049) - 1024) / 1024.0f};
        float F16[2] = {static_cast<float>(U(S, 16, 65) - 32) / 8.0f, static_cast<float>(U(S, 17, 65) - 32) / 8.0f};
        std::vector<double> F64(2);
        for (int I = 0; I < 2; ++I) {
            int64_t Mantissa = static_cast<int64_t>(D(S, 21 + I) >> 11) - (int64_t(1) << 52);
            F64[static_cast<size_t>(I)] = static_cast<double>(Mantissa) / 1048576.0;
        }
        std::vector<bool> Flags(4);
        for (int I = 0; I < 4; ++I) Flags[static_cast<size_t>(I)] = ((D(S, 23) >> I) & 1) != 0;
        const int64_t Nvec[4] = {3, 5, 2, 4};
        const int64_t Start[4] = {0, -2, 10, 1};
        std::vector<int64_t> Grid(4);
        for (int K = 0; K < 4; ++K) Grid[static_cast<size_t>(K)] = Start[K] + U(S, 25 + K, Nvec[K]);
        std::vector<int8_t> Bits(6);
        for (int K = 0; K < 6; ++K) Bits[static_cast<size_t>(K)] = static_cast<int8_t>((D(S, 29) >> K) & 1);
        static const char* const Chars[8] = {"a", "Z", "9", " ", "_", "\xc3\xa9", "\xce\xbb", "\xe4\xb8\xad"};
        int64_t WordLength = 1 + U(S, 30, 6);
        std::string Word;
        for (int K = 0; K < WordLength; ++K) Word += Chars[U(S, 31 + K, 8)];
        int64_t PathLength = U(S, 37, 4);
        std::vector<int16_t> Path(static_cast<size_t>(PathLength * 2));
        for (int K = 0; K < PathLength; ++K) {
            Path[static_cast<size_t>(2 * K)] = static_cast<int16_t>(U(S, 38 + 2 * K, 201) - 100);
            Path[static_cast<size_t>(2 * K + 1)] = static_cast<int16_t>(U(S, 39 + 2 * K, 201) - 100);
        }
        int64_t EventCount = U(S, 44, 4);
        std::vector<Value> Events;
        for (int K = 0; K < EventCount; ++K) Events.push_back(IntValue(1 + U(S, 45 + K, 7)));
        return MapOf({
            {"image", TensorValue(MakeTensor(Image, {4, 6, 3}))},
            {"clock", TensorValue(MakeTensor<uint32_t>({static_cast<uint32_t>(T), Acc}))},
            {"ints", TupleOf({TensorValue(MakeTensor(I8)), TensorValue(MakeTensor(I16)), TensorValue(MakeTensor(I32)),
                              TensorValue(MakeTensor(I64s))})},
            {"uints", MapOf({{"u64", TensorValue(MakeTensor(U64))},
                             {"u16", TensorValue(MakeTensor(U16))},
                             {"u32", TensorValue(MakeTensor(U32))}})},
            {"floats", MapOf({{"f32", TensorValue(MakeTensor(F32))},
                              {"f16", TensorValue(MakeHalfTensor(F16, 2))},
                              {"f64", TensorValue(MakeTensor(F64))}})},
            {"flags", TensorValue(MakeTensor(Flags))},
            {"choice", IntValue(U(S, 24, 5) - 2)},
            {"grid", TensorValue(MakeTensor(Grid, {2, 2}))},
            {"bits", TensorValue(MakeTensor(Bits, {2, 3}))},
            {"word", StringValue(Word)},
            {"path", TensorValue(MakeTensor(Path, {PathLength, 2}))},
            {"events", ListOf(std::move(Events))},
            {"net", Graph(S)},
            {"either", Either(S)},
        });
    }

protected:
    FOutcome Outcome() override
    {
        FOutcome Out;
        Out.Reward = static_cast<double>(Acc & 0xFFFF) / 256.0;
        return Out;
    }

private:
    static Value Graph(uint64_t S)
    {
        int64_t N = 1 + U(S, 48, 3);
        int64_t M = U(S, 49, 4);
        std::vector<float> Nodes(static_cast<size_t>(N * 3));
        for (int64_t I = 0; I < N; ++I)
            for (int64_t C = 0; C < 3; ++C)
                Nodes[static_cast<size_t>(3 * I + C)] = static_cast<float>(U(S, static_cast<int>(50 + 3 * I + C), 17) - 8) / 8.0f;
        std::vector<int64_t> Edges(static_cast<size_t>(M));
        std::vector<int64_t> Links(static_cast<size_t>(M * 2));
        for (int64_t E = 0; E < M; ++E) {
            Edges[static_cast<size_t>(E)] = U(S, static_cast<int>(59 + E), 4);
            Links[static_cast<size_t>(2 * E)] = U(S, static_cast<int>(62 + 2 * E), N);
            Links[static_cast<size_t>(2 * E + 1)] = U(S, static_cast<int>(63 + 2 * E), N);
        }
        return GraphOf(MakeTensor(Nodes, {N, 3}), MakeTensor(Edges, {M}), MakeTensor(Links, {M, 2}));
    }

    static Value Either(uint64_t S)
    {
        if (U(S, 68, 2) == 0) return OneOfValue(0, IntValue(U(S, 69, 3)));
        std::vector<float> Pair = {static_cast<float>(U(S, 69, 9) - 4) / 4.0f, static_cast<float>(U(S, 70, 9) - 4) / 4.0f};
        return OneOfValue(1, TensorValue(MakeTensor(Pair)));
    }

    static v1::Space BuildObservation()
    {
        const double Inf = std::numeric_limits<double>::infinity();
        const int64_t I64Min = std::numeric_limits<int64_t>::min();
        const int64_t I64Max = std::numeric_limits<int64_t>::max();
        const uint64_t U64Max = std::numeric_limits<uint64_t>::max();
        return DictSpace({
            {"image", BoxSpace(Dtype::Uint8, 0, 255, {4, 6, 3})},
            {"clock", BoxSpace(Dtype::Uint32, 0, 4294967295.0, {2})},
            {"ints", TupleSpace({BoxSpace(Dtype::Int8, -100, 100, {3}),
                                 BoxOfBounds(MakeTensor<int16_t>({-1000, -2000}), MakeTensor<int16_t>({1000, 3000})),
                                 BoxSpace(Dtype::Int32, -2147483648.0, 2147483647.0, {2}),
                                 BoxOfBounds(I64({I64Min, I64Min}), I64({I64Max, I64Max}))})},
            {"uints", DictSpace({{"u64", BoxOfBounds(MakeTensor<uint64_t>({0, 0}), MakeTensor<uint64_t>({U64Max, U64Max}))},
                                 {"u16", BoxSpace(Dtype::Uint16, 0, 65535, {2})},
                                 {"u32", BoxSpace(Dtype::Uint32, 0, 4294967295.0, {2})}})},
            {"floats", DictSpace({{"f32", BoxOfBounds(MakeTensor<float>({-static_cast<float>(Inf), 0.0f, -1.0f}),
                                                      MakeTensor<float>({static_cast<float>(Inf), static_cast<float>(Inf), 1.0f}))},
                                  {"f16", BoxSpace(Dtype::Float16, -4, 4, {2})},
                                  {"f64", BoxSpace(Dtype::Float64, -Inf, Inf, {2})}})},
            {"flags", BoxSpace(Dtype::Bool, 0, 1, {4})},
            {"choice", DiscreteSpace(5, -2)},
            {"grid", MultiDiscreteSpace({3, 5, 2, 4}, {0, -2, 10, 1}, {2, 2})},
            {"bits", MultiBinarySpace({2, 3})},
            {"word", TextSpace(6, 1, SpacesCharset)},
            {"path", SequenceSpace(BoxSpace(Dtype::Int16, -100, 100, {2}), true)},
            {"events", SequenceSpace(DiscreteSpace(7, 1), false)},
            {"net", GraphSpace(BoxSpace(Dtype::Float32, -1, 1, {3}), DiscreteSpace(4))},
            {"either", OneOfSpace({DiscreteSpace(3), BoxSpace(Dtype::Float32, -1, 1, {2})})},
        });
    }

    static v1::Space BuildAction()
    {
        const double Inf = std::numeric_limits<double>::infinity();
        return DictSpace({
            {"move", DiscreteSpace(5, -2)},
            {"aim", BoxOfBounds(MakeTensor<float>({-1.0f, -2.0f}), MakeTensor<float>({1.0f, 2.0f}))},
            {"throttle", BoxSpace(Dtype::Float64, -Inf, Inf, {})},
            {"buttons", MultiBinarySpace({3})},
            {"gears", MultiDiscreteSpace({3, 4}, {1, -1})},
            {"small", TupleSpace({BoxSpace(Dtype::Int8, -8, 7, {2}), BoxSpace(Dtype::Uint16, 0, 65535, {}),
                                  BoxOfBounds(ScalarTensor<uint64_t>(0),
                                              ScalarTensor<uint64_t>(std::numeric_limits<uint64_t>::max()))})},
            {"say", TextSpace(4, 0, "ab\xc3\xa9")},
            {"pick", OneOfSpace({DiscreteSpace(2), BoxSpace(Dtype::Int32, -5, 5, {2})})},
        });
    }
};

// -- episodes ----------------------------------------------------------------------------

class FEpisodesEnv final : public FSubEnv {
public:
    const v1::Space& ObservationSpace() const override
    {
        static const v1::Space Space = BoxOfBounds(I64({0, 0, 3, 0}), I64({6, 12, 6, 2147483647}));
        return Space;
    }
    const v1::Space& ActionSpace() const override
    {
        static const v1::Space Space = DiscreteSpace(3);
        return Space;
    }
    Value Observe() override { return TensorValue(I64({T, P, Target, static_cast<int64_t>(Key >> 33)})); }

protected:
    void OnReset() override
    {
        P = 0;
        Target = 3 + U(Key, 0, 4);
    }
    void AfterStep(const Value& Action) override { P += Action.int_value(); }
    FOutcome Outcome() override
    {
        FOutcome Out;
        Out.bTerminated = P >= Target;
        Out.bTruncated = T >= 6;
        Out.Reward = static_cast<double>(P) / 2.0 - 1 + (Out.bTerminated ? 10 : 0);
        return Out;
    }

private:
    int64_t P = 0;
    int64_t Target = 0;
};

// -- infos -------------------------------------------------------------------------------

class FInfosEnv final : public FSubEnv {
public:
    const v1::Space& ObservationSpace() const override
    {
        static const v1::Space Space = BoxOfBounds(I64({std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min()}),
                                                   I64({std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()}));
        return Space;
    }
    const v1::Space& ActionSpace() const override
    {
        static const v1::Space Space = BoxSpace(Dtype::Int32, -10, 10, {2});
        return Space;
    }
    Value Observe() override { return TensorValue(I64({T, Sum})); }
    Value ResetInfo() override { return StepInfo(); }
    Value StepInfo() override
    {
        return MapOf({
            {"step", IntValue(T)},
            {"total", IntValue(Sum)},
            {"half", FloatValue(static_cast<double>(Sum) / 2.0)},
            {"even", BoolValue(T % 2 == 0)},
            {"label", StringValue("\xce\xbb-" + std::to_string(T) + "-\xe4\xb8\xad")},
            {"key_hi", IntValue(static_cast<int64_t>(Key >> 32))},
            {"big", IntValue(-(int64_t(1) << 40) - T)},
            {"vec", TensorValue(MakeTensor<float>({static_cast<float>(T) / 2.0f, static_cast<float>(Sum) / 4.0f, -0.5f}))},
            {"grid", TensorValue(I64({T, Sum, A0, A1}, {2, 2}))},
            {"mask", TensorValue(MakeTensor<bool>({A0 > 0, A1 > 0, Sum > 0}))},
            {"nested", MapOf({{"last", ListOf({IntValue(A0), IntValue(A1)})},
                              {"pair", TupleOf({IntValue(T), StringValue("t")})},
                              {"flags", MapOf({{"pos", BoolValue(Sum > 0)}, {"neg", BoolValue(Sum < 0)}})},
                              {"nothing", NoneValue()}})},
        });
    }

protected:
    void OnReset() override { Sum = A0 = A1 = 0; }
    void AfterStep(const Value& Action) override
    {
        std::vector<int32_t> A;
        CopyTensor(Action.tensor(), A);
        A0 = A[0];
        A1 = A[1];
        Sum += A0 - 2 * A1;
    }
    FOutcome Outcome() override
    {
        FOutcome Out;
        Out.Reward = static_cast<double>(Sum) / 2.0;
        return Out;
    }

private:
    int64_t Sum = 0;
    int64_t A0 = 0;
    int64_t A1 = 0;
};

// -- control -----------------------------------------------------------------------------

class FControlEnv final : public FSubEnv {
public:
    int64_t X = 0;
    int64_t Gain = 1;
    std::string RenderMode;

    const v1::Space& ObservationSpace() const override
    {
        static const v1::Space Space = BoxSpace(Dtype::Int64, -1000000, 1000000, {3});
        return Space;
    }
    const v1::Space& ActionSpace() const override
    {
        static const v1::Space Space = DiscreteSpace(4);
        return Space;
    }
    Value Observe() override { return TensorValue(I64({T, X, Gain})); }

    Value Render() const
    {
        if (RenderMode != "rgb_array") return NoneValue();
        std::vector<uint8_t> Frame(6 * 8 * 3);
        for (int Y = 0; Y < 6; ++Y) {
            for (int W = 0; W < 8; ++W) {
                size_t At = static_cast<size_t>((Y * 8 + W) * 3);
                Frame[At] = static_cast<uint8_t>((16 * W + T) & 0xFF);
                Frame[At + 1] = static_cast<uint8_t>((32 * Y + Gain) & 0xFF);
                Frame[At + 2] = static_cast<uint8_t>(X & 0xFF);
            }
        }
        return TensorValue(MakeTensor(Frame, {6, 8, 3}));
    }

protected:
    void OnReset() override { X = 0; }
    Status BeforeStep(const Value& Action) override
    {
        if (Action.int_value() == 3) return Status::EnvError("RuntimeError: action 3 is refused");
        return Status::Success();
    }
    void AfterStep(const Value& Action) override
    {
        if (Action.int_value() == 1) X += Gain;
        if (Action.int_value() == 2) X -= Gain;
    }
    FOutcome Outcome() override
    {
        FOutcome Out;
        Out.Reward = static_cast<double>(X) / 4.0;
        return Out;
    }
};

// -- large -------------------------------------------------------------------------------

class FLargeEnv final : public FSubEnv {
public:
    static constexpr int64_t Rows = 2304;
    static constexpr int64_t Cols = 4096;

    const v1::Space& ObservationSpace() const override
    {
        static const v1::Space Space = BoxSpace(Dtype::Uint8, 0, 255, {Rows, Cols});
        return Space;
    }
    const v1::Space& ActionSpace() const override
    {
        static const v1::Space Space = BoxSpace(Dtype::Uint8, 0, 255, {256, 1024});
        return Space;
    }
    Value Observe() override
    {
        uint8_t B = static_cast<uint8_t>((Key + Acc + 13 * static_cast<uint64_t>(T)) & 0xFF);
        Bytes Ramp(static_cast<size_t>(Cols + 255));
        for (size_t I = 0; I < Ramp.size(); ++I) Ramp[I] = static_cast<uint8_t>((I + B) & 0xFF);
        Bytes Observation(static_cast<size_t>(Rows * Cols));
        for (int64_t R = 0; R < Rows; ++R) {
            std::memcpy(Observation.data() + R * Cols, Ramp.data() + ((7 * R) & 0xFF), static_cast<size_t>(Cols));
        }
        return TensorValue(MakeTensorOfBytes(Dtype::Uint8, std::move(Observation), {Rows, Cols}));
    }

protected:
    FOutcome Outcome() override
    {
        FOutcome Out;
        Out.Reward = static_cast<double>(Acc & 0xFF) / 16.0;
        return Out;
    }
};

// -- batched -----------------------------------------------------------------------------

class FBatchedSub final : public FSubEnv {
public:
    const v1::Space& ObservationSpace() const override
    {
        static const v1::Space Space = DictSpace({{"t", DiscreteSpace(8)},
                                                  {"pos", BoxSpace(Dtype::Int32, -64, 64, {2})},
                                                  {"id", BoxSpace(Dtype::Uint32, 0, 4294967295.0, {})}});
        return Space;
    }
    const v1::Space& ActionSpace() const override
    {
        static const v1::Space Space = TupleSpace({DiscreteSpace(3, -1), BoxSpace(Dtype::Int32, -3, 3, {})});
        return Space;
    }
    Value Observe() override
    {
        return MapOf({{"t", IntValue(T)},
                      {"pos", TensorValue(MakeTensor<int32_t>({Pos[0], Pos[1]}))},
                      {"id", TensorValue(ScalarTensor<uint32_t>(static_cast<uint32_t>(Key >> 32)))}});
    }
    Value ResetInfo() override { return MapOf({{"len", IntValue(Length)}}); }
    Value StepInfo() override { return MapOf({{"pos_sum", IntValue(static_cast<int64_t>(Pos[0]) + Pos[1])}}); }

protected:
    void OnReset() override
    {
        Pos[0] = Pos[1] = 0;
        Length = 2 + U(Key, 0, 4);
    }
    void AfterStep(const Value& Action) override
    {
        Dx = Action.tuple_value().items[0].int_value();
        std::vector<int32_t> Dy32;
        CopyTensor(Action.tuple_value().items[1].tensor(), Dy32);
        Dy = Dy32[0];
        Pos[0] = static_cast<int32_t>(std::max<int64_t>(-64, std::min<int64_t>(64, Pos[0] + Dx)));
        Pos[1] = static_cast<int32_t>(std::max<int64_t>(-64, std::min<int64_t>(64, Pos[1] + Dy)));
    }
    FOutcome Outcome() override
    {
        FOutcome Out;
        Out.Reward = static_cast<double>(T) + static_cast<double>(Dx) / 2.0 + static_cast<double>(Dy) / 4.0;
        Out.bTerminated = T >= Length;
        Out.bTruncated = T >= 4;
        return Out;
    }

private:
    int32_t Pos[2] = {0, 0};
    int64_t Length = 0;
    int64_t Dx = 0;
    int64_t Dy = 0;
};

// -- the environment ---------------------------------------------------------------------

class FConformanceEnvironment final : public IEnvironment {
public:
    explicit FConformanceEnvironment(const std::string& InName) : Name(InName)
    {
        size_t Count = 1;
        if (Name == "spaces") Subs.emplace_back(new FSpacesEnv());
        if (Name == "episodes") {
            Subs.emplace_back(new FEpisodesEnv());
            MaxEpisodeSteps = 6;
        }
        if (Name == "infos") Subs.emplace_back(new FInfosEnv());
        if (Name == "control") Subs.emplace_back(new FControlEnv());
        if (Name == "large") Subs.emplace_back(new FLargeEnv());
        if (Name.rfind("batched-", 0) == 0) {
            Count = 4;
            for (size_t I = 0; I < Count; ++I) Subs.emplace_back(new FBatchedSub());
            MaxEpisodeSteps = 4;
        }
        Mode = Name == "batched-next-step"   ? v1::AutoresetMode::NextStep
               : Name == "batched-same-step" ? v1::AutoresetMode::SameStep
                                             : v1::AutoresetMode::Disabled;
        Ended.assign(Subs.size(), false);
    }

    Status Open(const std::string& RenderMode, v1::EnvSpec& Spec) override
    {
        bool bControl = Name == "control";
        if (!RenderMode.empty() && !(bControl && RenderMode == "rgb_array")) {
            return Status::Invalid("render mode '" + RenderMode + "' is not supported by conformance/" + Name);
        }
        Spec.env_id = "conformance/" + Name;
        *Spec.mutable_observation_space() = Subs[0]->ObservationSpace();
        *Spec.mutable_action_space() = Subs[0]->ActionSpace();
        Spec.num_envs = static_cast<uint32_t>(Subs.size());
        Spec.autoreset_mode = Mode;
        Spec.max_episode_steps = MaxEpisodeSteps;
        *Spec.mutable_metadata() = MapOf({{"suite", StringValue("rlay-conformance")},
                                          {"env", StringValue(Name)},
                                          {"version", IntValue(1)}});
        if (bControl) {
            Spec.render_modes = {"rgb_array"};
            Spec.render_fps = 30;
            Spec.render_mode = RenderMode;
            Control()->RenderMode = RenderMode;
        }
        return Status::Success();
    }

    Status Reset(const ResetArgs& Args, ResetResult& Result) override
    {
        for (size_t I = 0; I < Subs.size(); ++I) {
            if (!Args.Includes(I)) {
                Result.Observations[I] = Subs[I]->Observe();
                Result.Infos[I] = EmptyMap();
                continue;
            }
            Subs[I]->Reset(Args.Seed(I));
            Ended[I] = false;
            Result.Observations[I] = Subs[I]->Observe();
            Result.Infos[I] = Subs[I]->ResetInfo();
        }
        return Status::Success();
    }

    Status Step(const std::vector<Value>& Actions, StepResult& Result) override
    {
        for (size_t I = 0; I < Subs.size(); ++I) {
            FSubEnv& Sub = *Subs[I];
            if (Mode == v1::AutoresetMode::NextStep && Ended[I]) {
                Sub.Reset(std::nullopt);
                Ended[I] = false;
                Result.Observations[I] = Sub.Observe();
                Result.Infos[I] = Sub.ResetInfo();
                continue;
            }
            FOutcome Out;
            Status Stepped = Sub.Step(Actions[I], Out);
            if (!Stepped.Ok()) return Stepped;
            Result.Rewards[I] = Out.Reward;
            Result.Terminated[I] = Out.bTerminated;
            Result.Truncated[I] = Out.bTruncated;
            bool bOver = Out.bTerminated || Out.bTruncated;
            if (Mode == v1::AutoresetMode::SameStep && bOver) {
                Result.AddFinal(I, Sub.Observe(), Sub.StepInfo());
                Sub.Reset(std::nullopt);
                Result.Observations[I] = Sub.Observe();
                Result.Infos[I] = Sub.ResetInfo();
                continue;
            }
            Ended[I] = bOver;
            Result.Observations[I] = Sub.Observe();
            Result.Infos[I] = Sub.StepInfo();
        }
        return Status::Success();
    }

    Status Render(std::vector<Value>& Frames) override
    {
        Frames.assign(Subs.size(), NoneValue());
        if (Name == "control") Frames[0] = Control()->Render();
        return Status::Success();
    }

    Status Call(const std::string& CallName, const Value& Argument, Value& Result) override
    {
        if (Name == "control") {
            FControlEnv* Env = Control();
            if (CallName == "set_gain") {
                if (!Argument.has_int_value() || Argument.int_value() < 1 || Argument.int_value() > 100) {
                    return Status::EnvError(std::string("ValueError: gain must be an int in 1..100, got ") +
                                            KindName(Argument));
                }
                Result = IntValue(Env->Gain);
                Env->Gain = Argument.int_value();
                return Status::Success();
            }
            if (CallName == "get_state") {
                Result = MapOf({{"t", IntValue(Env->T)}, {"x", IntValue(Env->X)}, {"gain", IntValue(Env->Gain)}});
                return Status::Success();
            }
        }
        return Status::Unimplemented("conformance/" + Name + " has no call named '" + CallName + "'");
    }

private:
    // Only "control" holds an FControlEnv; its type is known without RTTI.
    FControlEnv* Control() { return static_cast<FControlEnv*>(Subs[0].get()); }

    std::string Name;
    std::vector<std::unique_ptr<FSubEnv>> Subs;
    std::vector<bool> Ended;
    v1::AutoresetMode Mode = v1::AutoresetMode::Disabled;
    uint64_t MaxEpisodeSteps = 0;
};

}  // namespace

const std::vector<std::string>& EnvironmentNames()
{
    static const std::vector<std::string> Names = {"spaces", "episodes", "infos", "control", "large",
                                                   "batched-next-step", "batched-same-step", "batched-disabled",
                                                   "multi-agent"};
    return Names;
}

std::unique_ptr<IEnvironment> MakeEnvironment(const std::string& Name)
{
    const std::vector<std::string>& Names = EnvironmentNames();
    if (std::find(Names.begin(), Names.end(), Name) == Names.end()) return nullptr;
    if (Name == "multi-agent") return MakeMultiAgentEnvironment();
    return std::unique_ptr<IEnvironment>(new FConformanceEnvironment(Name));
}

}  // namespace rlay::conformance
