#include "RlayAgentComponent.h"

#include "Components/SceneCaptureComponent2D.h"
#include "Engine/GameInstance.h"
#include "Engine/TextureRenderTarget2D.h"
#include "Engine/World.h"
#include "RlaySpaces.h"
#include "RlaySubsystem.h"
#include "RlayTensors.h"
#include "RlayValues.h"

URlayAgentComponent::URlayAgentComponent()
{
	PrimaryComponentTick.bCanEverTick = false;
}

void URlayAgentComponent::CollectObservations_Implementation(TArray<float>& Observations)
{
	Observations.SetNumZeroed(ObservationSize);
}

void URlayAgentComponent::OnActionReceived_Implementation(int32 DiscreteAction, const TArray<float>& ContinuousActions)
{
	(void)DiscreteAction;
	(void)ContinuousActions;
}

void URlayAgentComponent::OnEpisodeBegin_Implementation(int64 Seed, bool bHasSeed)
{
	(void)Seed;
	(void)bHasSeed;
}

void URlayAgentComponent::Heuristic_Implementation(int32& DiscreteAction, TArray<float>& ContinuousActions)
{
	DiscreteAction = 0;
	ContinuousActions.SetNumZeroed(ContinuousActionSize);
}

void URlayAgentComponent::AddReward(float Value)
{
	Reward += Value;
}

void URlayAgentComponent::SetReward(float Value)
{
	Reward = Value;
}

void URlayAgentComponent::EndEpisode(bool bInTerminated)
{
	bTerminated = bTerminated || bInTerminated;
	bTruncated = bTruncated || !bInTerminated;
}

void URlayAgentComponent::DescribeSpaces(rlay::v1::Space& Observation, rlay::v1::Space& Action) const
{
	Observation = rlay::BoxSpace(rlay::v1::Dtype::Float32, ObservationLow, ObservationHigh, {ObservationSize});
	if (DiscreteActions > 0)
	{
		Action = rlay::DiscreteSpace(DiscreteActions);
	}
	else
	{
		Action = rlay::BoxSpace(rlay::v1::Dtype::Float32, ActionLow, ActionHigh, {ContinuousActionSize});
	}
}

void URlayAgentComponent::CollectObservation(rlay::v1::Value& Out)
{
	TArray<float> Observations;
	CollectObservations(Observations);
	// The space says ObservationSize floats: pad or cut what the event wrote.
	Observations.SetNum(ObservationSize);
	Out = rlay::TensorValue(rlay::MakeTensor(Observations.GetData(), static_cast<size_t>(ObservationSize)));
}

void URlayAgentComponent::ApplyAction(const rlay::v1::Value& Action)
{
	TArray<float> Continuous;
	int32 Discrete = 0;
	if (Action.has_int_value())
	{
		Discrete = static_cast<int32>(Action.int_value());
	}
	else if (Action.has_tensor())
	{
		std::vector<float> Values;
		if (rlay::CopyTensor(Action.tensor(), Values).Ok())
		{
			for (float Value : Values)
			{
				Continuous.Add(Value);
			}
		}
	}
	OnActionReceived(Discrete, Continuous);
}

void URlayAgentComponent::BeginEpisode(bool bHasSeed, uint64 Seed)
{
	Reward = 0.0;
	bTerminated = false;
	bTruncated = false;
	StepsInEpisode = 0;
	OnEpisodeBegin(static_cast<int64>(Seed), bHasSeed);
}

double URlayAgentComponent::TakeReward()
{
	double Taken = Reward;
	Reward = 0.0;
	return Taken;
}

rlay::v1::Value URlayAgentComponent::RenderFrame()
{
	if (Capture == nullptr || Capture->TextureTarget == nullptr)
	{
		return rlay::NoneValue();
	}
	Capture->CaptureScene();
	UTextureRenderTarget2D* Target = Capture->TextureTarget;
	TArray<FColor> Pixels;
	FReadSurfaceDataFlags Flags;
	Flags.SetLinearToGamma(false);
	if (!Target->GameThread_GetRenderTargetResource()->ReadPixels(Pixels, Flags) || Pixels.Num() != Target->SizeX * Target->SizeY)
	{
		return rlay::NoneValue();
	}
	// FColor is BGRA; rgb_array is RGB, row-major from the top.
	rlay::Bytes Rgb(static_cast<size_t>(Pixels.Num()) * 3);
	for (int32 I = 0; I < Pixels.Num(); ++I)
	{
		Rgb[3 * I] = Pixels[I].R;
		Rgb[3 * I + 1] = Pixels[I].G;
		Rgb[3 * I + 2] = Pixels[I].B;
	}
	return rlay::TensorValue(rlay::MakeTensorOfBytes(rlay::v1::Dtype::Uint8, std::move(Rgb), {Target->SizeY, Target->SizeX, 3}));
}

void URlayAgentComponent::BeginPlay()
{
	UActorComponent::BeginPlay();
	if (URlaySubsystem* Subsystem = FindSubsystem())
	{
		Subsystem->RegisterAgent(this);
	}
}

void URlayAgentComponent::EndPlay(const EEndPlayReason::Type Reason)
{
	if (URlaySubsystem* Subsystem = FindSubsystem())
	{
		Subsystem->UnregisterAgent(this);
	}
	UActorComponent::EndPlay(Reason);
}

URlaySubsystem* URlayAgentComponent::FindSubsystem() const
{
	UWorld* World = GetWorld();
	UGameInstance* GameInstance = World != nullptr ? World->GetGameInstance() : nullptr;
	return GameInstance != nullptr ? GameInstance->GetSubsystem<URlaySubsystem>() : nullptr;
}
