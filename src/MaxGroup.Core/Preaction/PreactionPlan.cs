using MaxGroup.Core.Model;

namespace MaxGroup.Core.Preaction;

/// <summary>What preaction would do (or did) for one group in one run: the swaps chosen and why others were not.</summary>
public sealed record PreactionPlan
{
    public required string GroupName { get; init; }
    /// <summary>Allowed types with their advisor bucket, safest first (unrated types are listed with bucket -1).</summary>
    public IReadOnlyList<RankedInstanceType> Ranking { get; init; } = [];
    public IReadOnlyList<PlannedSwap> Swaps { get; init; } = [];
    /// <summary>Why nothing (or less than the batch size) was planned, one line per reason.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>An allowed instance type and its interruption bucket in the group's region.</summary>
public sealed record RankedInstanceType(string InstanceType, int Bucket, string Label, int SavingsPercent);

/// <summary>One old instance and the Spot type that replaces it: a safer type (advisor), or the group's own (a fallback swapped back).</summary>
public sealed record PlannedSwap(
    string InstanceId,
    string AvailabilityZone,
    string? SubnetId,
    string OldType,
    int OldBucket,
    string NewType,
    int NewBucket,
    SwapKind Kind = SwapKind.Advisor)
{
    public override string ToString() => Kind switch
    {
        SwapKind.OnDemandFallback => $"{InstanceId} ({OldType} On-Demand fallback) -> {NewType} Spot in {AvailabilityZone}",
        SwapKind.AlternativeFallback => $"{InstanceId} ({OldType}, an alternative type) -> {NewType} Spot in {AvailabilityZone}",
        _ => $"{InstanceId} ({OldType}, bucket {OldBucket}) -> {NewType} (bucket {NewBucket}) in {AvailabilityZone}",
    };
}
