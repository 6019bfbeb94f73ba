#include "RlaySubsystem.h"

#include "Engine/World.h"
#include "Kismet/GameplayStatics.h"
#include "Misc/App.h"
#include "RlayAgentComponent.h"
#include "RlaySpaceValues.h"
#include "RlayTensors.h"
#include "RlayValues.h"

DEFINE_LOG_CATEGORY_STATIC(LogRlay, Log, All);

namespace
{
void RouteCoreLog(rlay::ELogLevel Level, const std::string& Message)
{
	// The converted pointer lives only as long as its temporary: copy it into an FString.
	const FString Text(UTF8_TO_TCHAR(Message.c_str()));
	switch (Level)
	{
	case rlay::ELogLevel::Error:
		UE_LOG(LogRlay, Error, TEXT("%s"), *Text);
		break;
	case rlay::ELogLevel::Warning:
		UE_LOG(LogRlay, Warning, TEXT("%s"), *Text);
		break;
	default:
		UE_LOG(LogRlay, Log, TEXT("%s"), *Text);
		break;
	}
}

std::string ToUtf8(const FString& Text)
{
	return std::string(TCHAR_TO_UTF8(*Text));
}

FString FromUtf8(const std::string& Text)
{
	return FString(UTF8_TO_TCHAR(Text.c_str()));
}
}  // namespace

void URlaySubsystem::Initialize(FSubsystemCollectionBase& Collection)
{
	UGameInstanceSubsystem::Initialize(Collection);
	rlay::SetLogSink(&RouteCoreLog);
	Launch = FRlayLaunchOptions::FromProcess();
}

void URlaySubsystem::Deinitialize()
{
	Link.Stop();
	RestoreTime();
	rlay::SetLogSink(nullptr);
	PendingStep = nullptr;
	bStarted = false;
	UGameInstanceSubsystem::Deinitialize();
}

TStatId URlaySubsystem::GetStatId() const
{
	RETURN_QUICK_DECLARE_CYCLE_STAT(URlaySubsystem, STATGROUP_Tickables);
}

void URlaySubsystem::RegisterAgent(URlayAgentComponent* Agent)
{
	if (Agent == nullptr || Agents.Contains(Agent))
	{
		return;
	}
	if (bStarted && bMultiAgent && Roster.Join(Agent))
	{
		Agents.Add(Agent);
		return;
	}
	if (bStarted)
	{
		// The spec (num_envs, the agents) is fixed once a trainer may have seen it.
		UE_LOG(LogRlay, Warning, TEXT("rlay: agent %s registered after the link started; it is not part of the env"),
			*Agent->GetName());
		return;
	}
	Agents.Add(Agent);
}

void URlaySubsystem::UnregisterAgent(URlayAgentComponent* Agent)
{
	Agents.Remove(Agent);
	if (bMultiAgent)
	{
		Roster.Leave(Agent);
	}
	if (Agents.IsEmpty() && bStarted)
	{
		Link.Stop();
		RestoreTime();
		PendingStep = nullptr;
		bStarted = false;
	}
}

void URlaySubsystem::RegisterCall(const FString& Name, FRlayCallHandler Handler)
{
	Calls.Add(Name, MoveTemp(Handler));
}

FString URlaySubsystem::GetStatusText() const
{
	switch (Link.State())
	{
	case rlay::ELinkState::Listening:
		return FString(TEXT("listening on ")) + GetListenAddress();
	case rlay::ELinkState::Connecting:
		return FString(TEXT("connecting to ")) + Launch.DialAddress;
	case rlay::ELinkState::Connected:
		return TEXT("connected");
	case rlay::ELinkState::Disconnected:
		return FString(TEXT("disconnected: ")) + FromUtf8(Link.LastMessage());
	case rlay::ELinkState::Idle:
		break;
	}
	return bStarted ? TEXT("stopped") : TEXT("waiting for agents");
}

FString URlaySubsystem::GetListenAddress() const
{
	return FromUtf8(Link.ListenAddress());
}

bool URlaySubsystem::StartLink()
{
	bMultiAgent = FRlayAgentRoster::IsMultiAgent(Agents);
	if (bMultiAgent)
	{
		FString Error;
		if (!Roster.Build(Agents, Error))
		{
			UE_LOG(LogRlay, Error, TEXT("rlay: %s; playing without a trainer"), *Error);
			return false;
		}
		Roster.bRespawnEndedAgents = bRespawnEndedAgents;
		Spec = rlay::MultiAgentSpec(ToUtf8(EnvId));
		Roster.Describe(Spec);
		UE_LOG(LogRlay, Log, TEXT("rlay: multi-agent game, %d agents in %d behaviours"), Agents.Num(),
			static_cast<int32>(Spec.behaviors.size()));
	}
	else
	{
		DescribeSingleAgent();
	}
	Spec.max_episode_steps = static_cast<uint64>(Agents[0]->MaxEpisodeSteps > 0 ? Agents[0]->MaxEpisodeSteps : 0);
	if (Agents[0]->Capture != nullptr)
	{
		Spec.render_modes = {"rgb_array"};
	}
	Spec.render_fps = FixedStepSeconds > 0.0f ? 1.0 / FixedStepSeconds : 0.0;
	*Spec.mutable_metadata() = rlay::MapOf({{"engine", rlay::StringValue("unreal")}});
	Ended.SetNumZeroed(Agents.Num());
	return Connect();
}

void URlaySubsystem::DescribeSingleAgent()
{
	rlay::v1::Space Observation;
	rlay::v1::Space Action;
	Agents[0]->DescribeSpaces(Observation, Action);
	Spec.Clear();
	Spec.env_id = ToUtf8(EnvId);
	*Spec.mutable_observation_space() = Observation;
	*Spec.mutable_action_space() = Action;
	Spec.num_envs = static_cast<uint32>(Agents.Num());
	// One sub-environment resets only when asked; several reset ended ones on the next step.
	Spec.autoreset_mode = Agents.Num() == 1 ? rlay::v1::AutoresetMode::Disabled : rlay::v1::AutoresetMode::NextStep;
}

bool URlaySubsystem::Connect()
{
	rlay::EnvSessionOptions Options;
	Options.Token = ToUtf8(Launch.Token);
	Options.Name = ToUtf8(EnvId);
	std::string Error;
	rlay::Address Where;
	if (!Launch.DialAddress.IsEmpty())
	{
		if (!rlay::Address::Parse(ToUtf8(Launch.DialAddress), Where, Error))
		{
			UE_LOG(LogRlay, Error, TEXT("rlay: %s; playing without a trainer"), UTF8_TO_TCHAR(Error.c_str()));
			return false;
		}
		Link.Dial(Where, Spec, Options, static_cast<int>(ConnectTimeoutSeconds * 1000.0f));
		UE_LOG(LogRlay, Log, TEXT("rlay: dialling the trainer at %s"), *Launch.DialAddress);
		return true;
	}
	rlay::Address::Parse("tcp://127.0.0.1:" + std::to_string(Launch.ListenPort), Where, Error);
	if (!Link.Listen(Where, Spec, Options, Error))
	{
		// A port in use must not take the game down: log it and play on.
		UE_LOG(LogRlay, Error, TEXT("rlay: %s; playing without a trainer"), UTF8_TO_TCHAR(Error.c_str()));
		return false;
	}
	UE_LOG(LogRlay, Log, TEXT("rlay: listening on %s for rlay.ClientEnv"), *GetListenAddress());
	return true;
}

void URlaySubsystem::Tick(float DeltaTime)
{
	(void)DeltaTime;
	if (Agents.IsEmpty())
	{
		return;
	}
	if (!bStarted)
	{
		bStarted = true;
		StartLink();
	}
	if (PendingStep != nullptr && PendingStep->Kind == rlay::LockstepCommand::EKind::StepAgents)
	{
		// The world advanced one tick: answer once someone needs to decide (or nobody can).
		const bool bLost = Link.State() != rlay::ELinkState::Connected;
		if (Roster.EndTick(*PendingStep->Reports, bLost))
		{
			PendingStep = nullptr;
			Link.Complete(rlay::Status::Success());
		}
		else
		{
			return;  // the step spans another tick
		}
	}
	if (PendingStep != nullptr)
	{
		// The world advanced one step since the actions were applied: report it.
		rlay::Status Result = FinishStep(*PendingStep->StepOut);
		PendingStep = nullptr;
		Link.Complete(Result);
	}
	if (Link.State() != rlay::ELinkState::Connected)
	{
		RestoreTime();
		PlayWithoutTrainer();
		return;
	}
	TakeOverTime();
	// Lockstep: wait (with a deadline) for the trainer's next command, answering resets,
	// renders and calls at once, until a step's actions are applied.
	const rlay::Deadline Until = rlay::Deadline::After(TrainerWaitMilliseconds);
	while (PendingStep == nullptr && !Until.Expired())
	{
		rlay::LockstepCommand* Command = Link.Poll(Until.RemainingMs());
		if (Command == nullptr)
		{
			break;
		}
		Answer(*Command);
	}
}

void URlaySubsystem::Answer(rlay::LockstepCommand& Command)
{
	switch (Command.Kind)
	{
	case rlay::LockstepCommand::EKind::Reset:
		Link.Complete(Reset(*Command.Reset, *Command.ResetOut));
		return;
	case rlay::LockstepCommand::EKind::Step:
		ApplyActions(*Command.Actions);
		PendingStep = &Command;
		return;
	case rlay::LockstepCommand::EKind::ResetAgents:
		Roster.Reset(Command.Seed, *Command.Reports);
		Link.Complete(rlay::Status::Success());
		return;
	case rlay::LockstepCommand::EKind::StepAgents:
		Roster.StartStep(*Command.AgentActions);
		PendingStep = &Command;
		return;
	case rlay::LockstepCommand::EKind::Render:
		Command.Frames->clear();
		for (URlayAgentComponent* Agent : Agents)
		{
			Command.Frames->push_back(Agent->RenderFrame());
			if (bMultiAgent)
			{
				break;  // one env, one frame: the first agent's view
			}
		}
		Link.Complete(rlay::Status::Success());
		return;
	case rlay::LockstepCommand::EKind::Call:
		Link.Complete(Call(Command.CallName, *Command.CallArgument, *Command.CallResult));
		return;
	}
}

rlay::Status URlaySubsystem::Reset(const rlay::ResetArgs& Args, rlay::ResetResult& Out)
{
	for (int32 I = 0; I < Agents.Num(); ++I)
	{
		const size_t Index = static_cast<size_t>(I);
		if (Args.Includes(Index))
		{
			std::optional<uint64_t> Seed = Args.Seed(Index);
			Agents[I]->BeginEpisode(Seed.has_value(), Seed.value_or(0));
			Ended[I] = 0;
		}
		Agents[I]->CollectObservation(Out.Observations[Index]);
		Out.Infos[Index] = rlay::EmptyMap();
	}
	return rlay::Status::Success();
}

void URlaySubsystem::ApplyActions(const std::vector<rlay::v1::Value>& Actions)
{
	for (int32 I = 0; I < Agents.Num(); ++I)
	{
		if (Ended[I])
		{
			// NEXT_STEP autoreset: this step resets the ended agent and ignores its action.
			Agents[I]->BeginEpisode(false, 0);
			continue;
		}
		Agents[I]->CountStep();
		Agents[I]->ApplyAction(Actions[static_cast<size_t>(I)]);
	}
}

rlay::Status URlaySubsystem::FinishStep(rlay::StepResult& Out)
{
	for (int32 I = 0; I < Agents.Num(); ++I)
	{
		const size_t Index = static_cast<size_t>(I);
		URlayAgentComponent* Agent = Agents[I];
		Agent->CollectObservation(Out.Observations[Index]);
		Out.Infos[Index] = rlay::EmptyMap();
		if (Ended[I])
		{
			Ended[I] = 0;  // reset in this step: reward 0, flags false
			Agent->TakeReward();
			continue;
		}
		Out.Rewards[Index] = Agent->TakeReward();
		Out.Terminated[Index] = Agent->IsTerminated();
		Out.Truncated[Index] = Agent->IsTruncated();
		Ended[I] = Agents.Num() > 1 && (Agent->IsTerminated() || Agent->IsTruncated()) ? 1 : 0;
	}
	return rlay::Status::Success();
}

rlay::Status URlaySubsystem::Call(const std::string& Name, const rlay::v1::Value& Argument, rlay::v1::Value& Result)
{
	if (Name == "time_scale" || Name == "fixed_delta_time")
	{
		const bool bTimeScale = Name == "time_scale";
		double Previous = bTimeScale ? UGameplayStatics::GetGlobalTimeDilation(this) : FApp::GetFixedDeltaTime();
		if (Argument.kind_case() != rlay::v1::Value::KindCase::NotSet)
		{
			double Value = Argument.has_int_value() ? static_cast<double>(Argument.int_value()) : Argument.float_value();
			if (!(Argument.has_int_value() || Argument.has_float_value()) || !(Value > 0.0))
			{
				return rlay::Status::Invalid(Name + " needs a positive number");
			}
			if (bTimeScale)
			{
				UGameplayStatics::SetGlobalTimeDilation(this, static_cast<float>(Value));
			}
			else
			{
				FixedStepSeconds = static_cast<float>(Value);
				FApp::SetFixedDeltaTime(Value);
			}
		}
		Result = rlay::FloatValue(Previous);
		return rlay::Status::Success();
	}
	if (const FRlayCallHandler* Handler = Calls.Find(FromUtf8(Name)))
	{
		FString Error;
		if (!(*Handler)(Argument, Result, Error))
		{
			return rlay::Status::EnvError(ToUtf8(Error));
		}
		return rlay::Status::Success();
	}
	return rlay::Status::Unimplemented("this game has no call named '" + Name + "'");
}

void URlaySubsystem::PlayWithoutTrainer()
{
	// No trainer: the agents act on their heuristic, so the game stays playable.
	for (URlayAgentComponent* Agent : Agents)
	{
		if (Agent->IsTerminated() || Agent->IsTruncated() || Agent->GetStepsInEpisode() == 0)
		{
			Agent->BeginEpisode(false, 0);
		}
		int32 Discrete = 0;
		TArray<float> Continuous;
		Agent->Heuristic(Discrete, Continuous);
		Agent->CountStep();
		Agent->OnActionReceived(Discrete, Continuous);
		Agent->TakeReward();
	}
}

void URlaySubsystem::TakeOverTime()
{
	if (bTimeTaken)
	{
		return;
	}
	// As Learning Agents does: a fixed step while training, the game's own timing after.
	bTimeTaken = true;
	bSavedFixedStep = FApp::UseFixedTimeStep();
	SavedFixedDelta = FApp::GetFixedDeltaTime();
	FApp::SetUseFixedTimeStep(true);
	FApp::SetFixedDeltaTime(FixedStepSeconds);
}

void URlaySubsystem::RestoreTime()
{
	if (!bTimeTaken)
	{
		return;
	}
	bTimeTaken = false;
	FApp::SetUseFixedTimeStep(bSavedFixedStep);
	FApp::SetFixedDeltaTime(SavedFixedDelta);
}
