// An agent: one sub-environment of the game's env, or, when agents have a BehaviorName,
// one named agent of a multi-agent env. Blueprints describe simple spaces with
// properties (a float Box observation, a Discrete or float Box action) and implement the
// events; C++ subclasses may override DescribeSpaces / CollectObservation / ApplyAction
// for any Gymnasium space.
#pragma once

#include "Components/ActorComponent.h"
#include "CoreMinimal.h"
#include "RlaySpace.g.h"
#include "RlayValue.g.h"

#include "RlayAgentComponent.generated.h"

class USceneCaptureComponent2D;

UCLASS(ClassGroup = (Rlay), meta = (BlueprintSpawnableComponent), Blueprintable)
class RLAY_API URlayAgentComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	URlayAgentComponent();

	/// Number of floats CollectObservations writes (Box(low, high, (N,), float32)).
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Spaces")
	int32 ObservationSize = 4;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Spaces")
	float ObservationLow = -1.0e9f;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Spaces")
	float ObservationHigh = 1.0e9f;
	/// More than 0: the action is Discrete(DiscreteActions). 0: a float Box of ContinuousActionSize.
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Spaces")
	int32 DiscreteActions = 2;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Spaces")
	int32 ContinuousActionSize = 0;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Spaces")
	float ActionLow = -1.0f;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Spaces")
	float ActionHigh = 1.0f;
	/// Multi-agent games (protocol 1.1): the behaviour (a group of agents sharing spaces, and
	/// so a policy). Setting it on any agent makes the game multi-agent; agents without one
	/// are then grouped as "Agent".
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Multi-agent")
	FString BehaviorName;
	/// Multi-agent games: the agent's unique name; empty: "<behaviour>_<k>" in registration order.
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Multi-agent")
	FString AgentName;
	/// Multi-agent games: environment steps between two decisions (1: every step).
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay|Multi-agent")
	int32 DecisionInterval = 1;
	/// Steps after which an episode is truncated; 0: never.
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay")
	int32 MaxEpisodeSteps = 0;
	/// Renders rgb_array frames when set (CaptureScene, then a read of its render target).
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay")
	USceneCaptureComponent2D* Capture = nullptr;

	/// The observation, as floats (Blueprint); the C++ default of CollectObservation calls it.
	UFUNCTION(BlueprintNativeEvent, Category = "Rlay")
	void CollectObservations(TArray<float>& Observations);
	virtual void CollectObservations_Implementation(TArray<float>& Observations);
	/// The action: DiscreteAction for a Discrete action space, ContinuousActions otherwise.
	UFUNCTION(BlueprintNativeEvent, Category = "Rlay")
	void OnActionReceived(int32 DiscreteAction, const TArray<float>& ContinuousActions);
	virtual void OnActionReceived_Implementation(int32 DiscreteAction, const TArray<float>& ContinuousActions);
	/// A new episode begins; bHasSeed tells whether the trainer gave a seed.
	UFUNCTION(BlueprintNativeEvent, Category = "Rlay")
	void OnEpisodeBegin(int64 Seed, bool bHasSeed);
	virtual void OnEpisodeBegin_Implementation(int64 Seed, bool bHasSeed);
	/// The action to take when no trainer is connected (keyboard, a script).
	UFUNCTION(BlueprintNativeEvent, Category = "Rlay")
	void Heuristic(int32& DiscreteAction, TArray<float>& ContinuousActions);
	virtual void Heuristic_Implementation(int32& DiscreteAction, TArray<float>& ContinuousActions);

	UFUNCTION(BlueprintCallable, Category = "Rlay")
	void AddReward(float Reward);
	UFUNCTION(BlueprintCallable, Category = "Rlay")
	void SetReward(float Reward);
	/// Ends the episode: terminated (an MDP end) or truncated (cut short).
	UFUNCTION(BlueprintCallable, Category = "Rlay")
	void EndEpisode(bool bTerminated);

	// -- C++ API (what the subsystem calls) -------------------------------------------------
	virtual void DescribeSpaces(rlay::v1::Space& Observation, rlay::v1::Space& Action) const;
	virtual void CollectObservation(rlay::v1::Value& Out);
	/// Applies one action, already checked against the action space.
	virtual void ApplyAction(const rlay::v1::Value& Action);
	/// Starts an episode (resets reward, flags and the step count, then OnEpisodeBegin).
	void BeginEpisode(bool bHasSeed, uint64 Seed);
	/// Takes the reward accrued since the last step and advances the step count.
	double TakeReward();
	bool IsTerminated() const { return bTerminated; }
	bool IsTruncated() const { return bTruncated || (MaxEpisodeSteps > 0 && StepsInEpisode >= MaxEpisodeSteps); }
	int32 GetStepsInEpisode() const { return StepsInEpisode; }
	/// Counts a step of the episode (the subsystem calls it once per applied action).
	void CountStep() { ++StepsInEpisode; }
	/// An rgb_array frame [H, W, 3] from Capture, or a Value with no kind.
	rlay::v1::Value RenderFrame();

	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type Reason) override;

private:
	class URlaySubsystem* FindSubsystem() const;

	double Reward = 0.0;
	bool bTerminated = false;
	bool bTruncated = false;
	int32 StepsInEpisode = 0;
};
