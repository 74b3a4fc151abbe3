
namespace MaxGroup.Core.Model;

/// <summary>The current state of one remediation step of an interruption.</summary>
public sealed record StepRecord
{
    public required string Name { get; init; }
    public StepStatus Status { get; init; } = StepStatus.Pending;
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>
    /// While Running: the run holding the step renews this every few seconds; once it has passed, the run is taken for
    /// dead and a redelivery, a retry or the sweep may take the step over. Null on records written before leases were
    /// renewed: then <see cref="StartedAt"/> plus the lease counts.
    /// </summary>
    public DateTimeOffset? LeaseUntil { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Reason { get; init; }
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The token of the run that marked the step Running. When that write took effect but its answer was lost, the
    /// retry finds its own token and carries on, instead of taking itself for another run and leaving the step stuck.
    /// </summary>
    public string? Claim { get; init; }

    /// <summary>
    /// The token the dispatcher's begin issued when it marked this step Running for the function it then invoked, not
    /// yet consumed. The invoked run consumes it with one conditional write; a second delivery of the same invocation
    /// finds it gone. Any later rewrite of the step (its end, a takeover after the lease) drops it.
    /// </summary>
    public string? PendingClaim { get; init; }

    /// <summary>The run that consumed <see cref="PendingClaim"/>: its own retried write (answer lost) recognises itself by it.</summary>
    public string? ClaimConsumedBy { get; init; }

    /// <summary>When the current run's lease ends (Running steps only).</summary>
    public DateTimeOffset? LeaseEnd(TimeSpan lease) => LeaseUntil ?? StartedAt + lease;

    /// <summary>Whether <paramref name="hold"/> is the run that holds this step now.</summary>
    public bool IsHeldBy(StepHold hold)
    {
        ArgumentNullException.ThrowIfNull(hold);
        return Status == StepStatus.Running
            && (hold.Claim is null || Claim == hold.Claim)
            && (hold.ConsumedBy is null || ClaimConsumedBy == hold.ConsumedBy)
            && (hold.Claim is not null || hold.ConsumedBy is not null || Claim is null);
    }

    /// <summary>Done and NoOp are final: such a step is never run again for the same interruption.</summary>
    public bool IsComplete => Status is StepStatus.Done or StepStatus.NoOp;

    /// <summary>The interruption still needs this step's in-flight slot.</summary>
    public bool IsOutstanding => Status is StepStatus.Pending or StepStatus.Running;
}
