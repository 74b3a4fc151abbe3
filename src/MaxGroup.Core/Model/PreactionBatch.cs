namespace MaxGroup.Core.Model;

/// <summary>
/// The one batch of swaps in flight for a group. A Lambda cannot sleep through the detach and termination delays,
/// so the batch is a state machine: each scheduled run does the steps that are due and saves the batch again.
/// </summary>
public sealed record PreactionBatch
{
    public required string GroupName { get; init; }
    /// <summary>Short id, also the value of the spotmax:preaction tag and part of the RunInstances client token.</summary>
    public required string BatchId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public IReadOnlyList<PreactionSwap> Swaps { get; init; } = [];
    /// <summary>MaxSize before it was raised to make room for the successors; restored when the batch closes.</summary>
    public int? MaxSizeRaisedFrom { get; init; }
    /// <summary>Optimistic concurrency: the store refuses a save whose version is not the stored one.</summary>
    public int Version { get; init; }

    /// <summary>True while any swap still has a step to do.</summary>
    public bool IsOpen => Swaps.Any(s => !s.IsFinished);
}

/// <summary>One old instance being replaced by a successor of a safer type.</summary>
public sealed record PreactionSwap
{
    public required string OldInstanceId { get; init; }
    public required string OldType { get; init; }
    public int OldBucket { get; init; }
    public required string NewType { get; init; }
    public int NewBucket { get; init; }
    public required string AvailabilityZone { get; init; }
    public string? SubnetId { get; init; }
    /// <summary>Why the instance is swapped: a risky Spot type (advisor) or a fallback going back to Spot.</summary>
    public SwapKind Kind { get; init; } = SwapKind.Advisor;
    public string? SuccessorInstanceId { get; init; }
    public SwapPhase Phase { get; init; } = SwapPhase.Planned;
    public DateTimeOffset? LaunchedAt { get; init; }
    /// <summary>When the old instance may be detached (attach time + preaction_detach_delay_seconds).</summary>
    public DateTimeOffset? DetachDueAt { get; init; }
    /// <summary>When the old instance may be terminated (detach time + preaction_termination_delay_seconds).</summary>
    public DateTimeOffset? TerminateDueAt { get; init; }
    /// <summary>The last thing that happened, or why the swap failed.</summary>
    public string? Note { get; init; }

    public bool IsFinished => Phase is SwapPhase.Done or SwapPhase.Failed;
}

/// <summary>Why preaction swaps an instance.</summary>
public enum SwapKind
{
    /// <summary>A Spot instance of a type the advisor rates risky, for a safer allowed type.</summary>
    Advisor,
    /// <summary>An On-Demand successor MaxGroup launched when Spot was short, back to the group's own Spot types.</summary>
    OnDemandFallback,
    /// <summary>A Spot successor of an alternative type (alt1..altN), back to the group's own types.</summary>
    AlternativeFallback,
}

/// <summary>Where a swap stands. Each run moves a swap forward by the steps that are due.</summary>
public enum SwapPhase
{
    /// <summary>Chosen; the successor is not launched yet.</summary>
    Planned,
    /// <summary>The successor is launched, not yet attached.</summary>
    Launched,
    /// <summary>The successor is in the group; the old instance waits for its detach time.</summary>
    Attached,
    /// <summary>The old instance is handed over (drain, Consul, volume kept) and detached; it waits for its termination time.</summary>
    Detached,
    /// <summary>The old instance is terminated; the data volume move (if any) completes.</summary>
    Terminated,
    Done,
    /// <summary>Given up; the old instance was left as it was (never detached without an InService successor).</summary>
    Failed,
}
