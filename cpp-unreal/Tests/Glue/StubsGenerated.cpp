// What Unreal's header tool would generate for the glue's BlueprintNativeEvents (a call
// that reaches the _Implementation when no Blueprint overrides it), plus the stand-ins'
// storage. Compiled only with the stand-in engine headers.
#include "RlayAgentComponent.h"

std::vector<std::wstring>& StubLogLines()
{
    static std::vector<std::wstring> Lines;
    return Lines;
}

void URlayAgentComponent::CollectObservations(TArray<float>& Observations)
{
    CollectObservations_Implementation(Observations);
}

void URlayAgentComponent::OnActionReceived(int32 DiscreteAction, const TArray<float>& ContinuousActions)
{
    OnActionReceived_Implementation(DiscreteAction, ContinuousActions);
}

void URlayAgentComponent::OnEpisodeBegin(int64 Seed, bool bHasSeed)
{
    OnEpisodeBegin_Implementation(Seed, bHasSeed);
}

void URlayAgentComponent::Heuristic(int32& DiscreteAction, TArray<float>& ContinuousActions)
{
    Heuristic_Implementation(DiscreteAction, ContinuousActions);
}
