
namespace MaxGroup.Core.Model;

/// <summary>
/// The payload the dispatcher sends each remediation function (asynchronously through Lambda, or in-process
/// with `--inline`): everything the step needs, so it starts without looking anything up again.
/// </summary>
public sealed record RemediationRequest
{
    /// <summary>One of <see cref="StepNames.Remediations"/>.</summary>
    public required string Step { get; init; }
    /// <summary>The EventBridge id of the warning (or other event) that started this interruption.</summary>
    public required string EventId { get; init; }
    /// <summary>terminate, stop or hibernate: what AWS will do to the instance.</summary>
    public string InstanceAction { get; init; } = "terminate";
    public required DateTimeOffset WarningTime { get; init; }
    /// <summary>Warning time + 120 s. Steps finish before it or skip and say so.</summary>
    public required DateTimeOffset ReclaimAt { get; init; }

    /// <summary>The hand-over's deadline, as the dispatcher derived it from the trigger's deadline source (not sent: derived from the two above).</summary>
    public ReclaimDeadline Deadline => new(WarningTime, ReclaimAt);
    public required InstanceFacts Instance { get; init; }
    public required GroupConfig Config { get; init; }
    public bool DryRun { get; init; }
    /// <summary>Why the step was started (on the wire: "warning", "dequeued", "preaction"...).</summary>
    public HandoverTrigger Trigger { get; init; } = HandoverTrigger.SpotWarning;
    /// <summary>The successor, when already known (the volume step on a preaction swap).</summary>
    public string? SuccessorInstanceId { get; init; }

    /// <summary>
    /// The dispatcher's begin marked this step Running at this time in the same write that created the interruption:
    /// the runner does not start it again, and the step knows no earlier run of it exists.
    /// </summary>
    public DateTimeOffset? StepClaimedAt { get; init; }

    /// <summary>
    /// With <see cref="StepClaimedAt"/>, when the step runs in another function (Lambda): the token the begin stored as
    /// the step's pending claim. The runner consumes it with one conditional write; only the delivery that consumes it
    /// runs as the first run, a second delivery of the same invocation does not.
    /// </summary>
    public string? StepClaim { get; init; }

    /// <summary>What the dispatcher learnt for the replace step's first run (replace only; null = nothing, the step asks itself).</summary>
    public ReplacePrefetch? Prefetch { get; init; }

    /// <summary>
    /// A restart of a hand-over already begun (a redelivered warning, a state change, the sweep): the step may be held by
    /// a run that is alive or one that died. The runner waits out the holder's lease once and takes the step over only
    /// if it was not renewed; the step itself must not assume it is the first run.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>
    /// The data volume the dispatcher kept (DeleteOnTermination off) before the begin, from the ledger: the volume step
    /// finds it by this id even when the instance is gone and no longer lists it.
    /// </summary>
    public string? DataVolumeId { get; init; }
}
