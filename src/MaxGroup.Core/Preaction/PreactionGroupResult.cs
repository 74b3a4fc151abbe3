using MaxGroup.Core.Model;

namespace MaxGroup.Core.Preaction;

/// <summary>What one run did for one group: the plan (dry run or new batch) and/or the batch after this run's steps.</summary>
public sealed record PreactionGroupResult
{
    public required string GroupName { get; init; }
    /// <summary>planned (dry run), started, advanced, idle (nothing to swap), skipped (not enabled, busy...), failed.</summary>
    public required string Status { get; init; }
    public string? Reason { get; init; }
    public bool DryRun { get; init; }
    public PreactionPlan? Plan { get; init; }
    public PreactionBatch? Batch { get; init; }
    /// <summary>What this run did (or, in a dry run, would do), in order.</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];
}

/// <summary>One scheduled run over every group with is_enable_preaction.</summary>
public sealed record PreactionRunReport
{
    public bool DryRun { get; init; }
    public string? AdvisorOrigin { get; init; }
    public IReadOnlyList<PreactionGroupResult> Groups { get; init; } = [];
}
