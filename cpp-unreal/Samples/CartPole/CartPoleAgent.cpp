#include "CartPoleAgent.h"

#include <cmath>
#include <limits>

#include "RlaySpaces.h"
#include "RlayTensors.h"

namespace
{
// Gymnasium's CartPole-v1 constants.
constexpr double Gravity = 9.8;
constexpr double MassCart = 1.0;
constexpr double MassPole = 0.1;
constexpr double TotalMass = MassPole + MassCart;
constexpr double Length = 0.5;
constexpr double PoleMassLength = MassPole * Length;
constexpr double ForceMag = 10.0;
constexpr double Tau = 0.02;
constexpr double Pi = 3.141592653589793;  // Python's math.pi
constexpr double ThetaThresholdRadians = 12 * 2 * Pi / 360;
constexpr double XThreshold = 2.4;

uint64 SplitMix(uint64& State)
{
	uint64 Z = (State += 0x9E3779B97F4A7C15ull);
	Z = (Z ^ (Z >> 30)) * 0xBF58476D1CE4E5B9ull;
	Z = (Z ^ (Z >> 27)) * 0x94D049BB133111EBull;
	return Z ^ (Z >> 31);
}
}  // namespace

UCartPoleAgent::UCartPoleAgent()
{
	ObservationSize = 4;
	DiscreteActions = 2;
	MaxEpisodeSteps = 500;  // CartPole-v1's TimeLimit
}

void UCartPoleAgent::DescribeSpaces(rlay::v1::Space& Observation, rlay::v1::Space& Action) const
{
	const float Inf = std::numeric_limits<float>::infinity();
	const float High[4] = {static_cast<float>(XThreshold * 2), Inf, static_cast<float>(ThetaThresholdRadians * 2), Inf};
	const float Low[4] = {-High[0], -High[1], -High[2], -High[3]};
	Observation = rlay::BoxOfBounds(rlay::MakeTensor(Low, 4), rlay::MakeTensor(High, 4));
	Action = rlay::DiscreteSpace(2);
}

void UCartPoleAgent::CollectObservations_Implementation(TArray<float>& Observations)
{
	Observations.SetNum(4);
	for (int32 I = 0; I < 4; ++I)
	{
		Observations[I] = static_cast<float>(State[I]);
	}
}

void UCartPoleAgent::OnActionReceived_Implementation(int32 DiscreteAction, const TArray<float>& ContinuousActions)
{
	(void)ContinuousActions;
	// Gymnasium's Euler step, term by term in the same order (bit-identical doubles).
	double X = State[0], XDot = State[1], Theta = State[2], ThetaDot = State[3];
	const double Force = DiscreteAction == 1 ? ForceMag : -ForceMag;
	const double CosTheta = std::cos(Theta);
	const double SinTheta = std::sin(Theta);
	const double Temp = (Force + PoleMassLength * (ThetaDot * ThetaDot) * SinTheta) / TotalMass;
	const double ThetaAcc = (Gravity * SinTheta - CosTheta * Temp) / (Length * (4.0 / 3.0 - MassPole * (CosTheta * CosTheta) / TotalMass));
	const double XAcc = Temp - PoleMassLength * ThetaAcc * CosTheta / TotalMass;
	X = X + Tau * XDot;
	XDot = XDot + Tau * XAcc;
	Theta = Theta + Tau * ThetaDot;
	ThetaDot = ThetaDot + Tau * ThetaAcc;
	State[0] = X;
	State[1] = XDot;
	State[2] = Theta;
	State[3] = ThetaDot;
	const bool bDown = X < -XThreshold || X > XThreshold || Theta < -ThetaThresholdRadians || Theta > ThetaThresholdRadians;
	// 1 per step, including the step on which the pole falls (CartPole-v1's reward).
	AddReward(bFallen ? 0.0f : 1.0f);
	if (bDown)
	{
		bFallen = true;
		EndEpisode(true);
	}
}

void UCartPoleAgent::OnEpisodeBegin_Implementation(int64 Seed, bool bHasSeed)
{
	if (bHasSeed)
	{
		Generator = static_cast<uint64>(Seed);
	}
	bFallen = false;
	for (int32 I = 0; I < 4; ++I)
	{
		// Held at float precision, as the trainer sees it, so both sides start identical.
		State[I] = static_cast<double>(static_cast<float>(NextUniform(-0.05, 0.05)));
	}
}

void UCartPoleAgent::Heuristic_Implementation(int32& DiscreteAction, TArray<float>& ContinuousActions)
{
	ContinuousActions.Reset();
	// Push the cart under the pole.
	DiscreteAction = State[2] + 0.5 * State[3] > 0.0 ? 1 : 0;
}

double UCartPoleAgent::NextUniform(double Low, double High)
{
	const double Unit = static_cast<double>(SplitMix(Generator) >> 11) / 9007199254740992.0;
	return Low + (High - Low) * Unit;
}
