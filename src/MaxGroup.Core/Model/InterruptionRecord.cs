namespace MaxGroup.Core.Model;

/// <summary>
/// The ledger's record of one interrupted instance, keyed by instance id: which events announced it, the
/// deadline, what was decided, and every step's state with its timeline.
/// </summary>
public sealed record InterruptionRecord
{
    public required string InstanceId { get; init; }
    /// <summary>EventBridge ids of every delivery seen for this instance (duplicates included).</summary>
    public IReadOnlyList<string> EventIds { get; init; } = [];
    public required string GroupName { get; init; }
    public required DateTimeOffset WarningTime { get; init; }
    public required DateTimeOffset ReclaimAt { get; init; }
    /// <summary>terminate, stop or hibernate.</summary>
    public string InstanceAction { get; init; } = "terminate";
    /// <summary>detach or launch.</summary>
    public string Strategy { get; init; } = "";
    public bool DryRun { get; init; }
    public InterruptionStatus Status { get; init; } = InterruptionStatus.Active;
    public string? SuccessorInstanceId { get; init; }
    public string? VolumeId { get; init; }
    /// <summary>What opened the hand-over; a resume restarts its steps with it (records written before it was stored read as a warning).</summary>
    public HandoverTrigger Trigger { get; init; } = HandoverTrigger.SpotWarning;
    /// <summary>The terminate lifecycle action the hand-over keeps alive and completes (<see cref="HandoverTrigger.LifecycleHook"/> only).</summary>
    public LifecycleHookAction? LifecycleHook { get; init; }
    public IReadOnlyList<StepRecord> Steps { get; init; } = [];
    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
    /// <summary>Progress notes a step keeps so that a re-run converges (e.g. replace.max_raised_from).</summary>
    public IReadOnlyDictionary<string, string> Progress { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>When the table's TTL removes the record.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    public StepRecord? FindStep(string name) => Steps.FirstOrDefault(s => s.Name == name);

    /// <summary>The first event id, the one that started the interruption.</summary>
    public string FirstEventId => EventIds.Count > 0 ? EventIds[0] : "";
}
