// The subsystem that owns the link to the trainer. It starts once agents have
// registered: it dials the ServerEnv given by -RlayAddress= / RLAY_ADDRESS, or listens
// for a ClientEnv on -RlayPort= (default 5555). Every tick it answers the trainer's
// commands in lockstep: a step applies the actions, lets the world advance one fixed
// time step, and reports in the next tick. A port in use or a lost trainer is logged
// and the game keeps running; socket I/O never blocks the game thread without a deadline.
// When an agent has a BehaviorName the env is multi-agent (protocol 1.1): agents are
// named and grouped by behaviour, decide every DecisionInterval steps, and may leave and
// join during an episode (FRlayAgentRoster).
#pragma once

#include "CoreMinimal.h"
#include "RlayAgentRoster.h"
#include "RlayLaunchOptions.h"
#include "RlayLockstep.h"
#include "Subsystems/GameInstanceSubsystem.h"
#include "Tickable.h"

#include "RlaySubsystem.generated.h"

class URlayAgentComponent;

/// A named call handler: reads Argument, writes Result; false with Error for an env error.
using FRlayCallHandler = TFunction<bool(const rlay::v1::Value& Argument, rlay::v1::Value& Result, FString& Error)>;

UCLASS()
class RLAY_API URlaySubsystem : public UGameInstanceSubsystem, public FTickableGameObject
{
	GENERATED_BODY()

public:
	/// The env id the trainer sees.
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay")
	FString EnvId = TEXT("unreal-game");
	/// The fixed time step set while a trainer is attached (restored after).
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay")
	float FixedStepSeconds = 0.02f;
	/// How long one tick waits for the trainer's next command before letting the frame go.
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay")
	int32 TrainerWaitMilliseconds = 250;
	/// Multi-agent games: an agent whose episode ended begins a new one at a later step
	/// (true) or stays out until the trainer resets.
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay")
	bool bRespawnEndedAgents = true;
	/// Seconds to keep trying to reach a ServerEnv before playing on without it.
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "Rlay")
	float ConnectTimeoutSeconds = 60.0f;

	virtual void Initialize(FSubsystemCollectionBase& Collection) override;
	virtual void Deinitialize() override;

	virtual void Tick(float DeltaTime) override;
	virtual TStatId GetStatId() const override;
	virtual ETickableTickType GetTickableTickType() const override { return ETickableTickType::Always; }
	virtual bool IsTickable() const override { return true; }

	/// Agents register at BeginPlay; their order is the sub-environments' (or agents') order.
	/// In a multi-agent game an agent registering later takes the place of one that left.
	void RegisterAgent(URlayAgentComponent* Agent);
	void UnregisterAgent(URlayAgentComponent* Agent);
	/// Handles `env.call(Name, value)` from the trainer (besides time_scale and fixed_delta_time).
	void RegisterCall(const FString& Name, FRlayCallHandler Handler);
	/// Overrides the launch options read from the command line (before the link starts).
	void SetLaunchOptions(const FRlayLaunchOptions& Options) { Launch = Options; }

	UFUNCTION(BlueprintCallable, Category = "Rlay")
	bool IsTrainerConnected() const { return Link.State() == rlay::ELinkState::Connected; }
	/// "listening on tcp://127.0.0.1:5555", "connected", ...
	UFUNCTION(BlueprintCallable, Category = "Rlay")
	FString GetStatusText() const;
	/// The address listened on (the real port), empty when dialling.
	FString GetListenAddress() const;
	/// The spec sent to trainers (valid once the link started).
	const rlay::v1::EnvSpec& GetSpec() const { return Spec; }
	/// True once the link started for a multi-agent game.
	bool IsMultiAgent() const { return bMultiAgent; }
	/// The agents of a multi-agent game (valid once the link started).
	const FRlayAgentRoster& GetRoster() const { return Roster; }

private:
	bool StartLink();
	void DescribeSingleAgent();
	bool Connect();
	void Answer(rlay::LockstepCommand& Command);
	rlay::Status Reset(const rlay::ResetArgs& Args, rlay::ResetResult& Out);
	void ApplyActions(const std::vector<rlay::v1::Value>& Actions);
	rlay::Status FinishStep(rlay::StepResult& Out);
	rlay::Status Call(const std::string& Name, const rlay::v1::Value& Argument, rlay::v1::Value& Result);
	void PlayWithoutTrainer();
	void TakeOverTime();
	void RestoreTime();

	FRlayLaunchOptions Launch;
	rlay::LockstepLink Link;
	rlay::v1::EnvSpec Spec;
	TArray<URlayAgentComponent*> Agents;
	/// Per agent: its episode ended in the last step (reset on the next one when batched).
	TArray<uint8> Ended;
	TMap<FString, FRlayCallHandler> Calls;
	FRlayAgentRoster Roster;
	bool bMultiAgent = false;
	/// The step whose actions were applied: answered in the next tick, after the world moved.
	rlay::LockstepCommand* PendingStep = nullptr;
	bool bStarted = false;
	bool bTimeTaken = false;
	bool bSavedFixedStep = false;
	double SavedFixedDelta = 0.0;
};
