// The CartPole sample: Gymnasium's CartPole-v1 (same constants, equations and rules)
// as an rlay agent component. Deterministic per seed: the start state is drawn from a
// generator seeded by the trainer's seed. Copy this folder into your project's Source.
#pragma once

#include "CoreMinimal.h"
#include "RlayAgentComponent.h"

#include "CartPoleAgent.generated.h"

UCLASS(ClassGroup = (Rlay), meta = (BlueprintSpawnableComponent))
class UCartPoleAgent : public URlayAgentComponent
{
	GENERATED_BODY()

public:
	UCartPoleAgent();

	/// Cart position, cart velocity, pole angle, pole angular velocity (float64, as Gymnasium).
	double State[4] = {0.0, 0.0, 0.0, 0.0};

	virtual void DescribeSpaces(rlay::v1::Space& Observation, rlay::v1::Space& Action) const override;
	virtual void CollectObservations_Implementation(TArray<float>& Observations) override;
	virtual void OnActionReceived_Implementation(int32 DiscreteAction, const TArray<float>& ContinuousActions) override;
	virtual void OnEpisodeBegin_Implementation(int64 Seed, bool bHasSeed) override;
	virtual void Heuristic_Implementation(int32& DiscreteAction, TArray<float>& ContinuousActions) override;

private:
	double NextUniform(double Low, double High);
	uint64 Generator = 0x853C49E6748FEA9Bull;
	bool bFallen = false;
};
