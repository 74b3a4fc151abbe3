namespace MaxGroup.Core.Model;

/// <summary>
/// One backfill of a failed launch, kept in the ledger table under its group and scaling activity: the claim (a lease,
/// so a run that died is taken over) and the progress a later run must not redo (successor, desired and MaxSize before).
/// </summary>
public sealed record BackfillRecord
{
    public required string GroupName { get; init; }
    public required string ActivityId { get; init; }
    /// <summary>The event that made the claim.</summary>
    public required string EventId { get; init; }
    public BackfillStatus Status { get; init; } = BackfillStatus.Claimed;
    public required DateTimeOffset ClaimedAt { get; init; }
    /// <summary>While in the future, the claim is a live run's; after it a redelivery takes over (with the progress).</summary>
    public required DateTimeOffset LeaseUntil { get; init; }
    /// <summary>DynamoDB TTL: the record is history after this.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
    /// <summary>The successor launched; set before anything else is changed, so a re-run attaches it rather than launching again.</summary>
    public string? SuccessorInstanceId { get; init; }
    /// <summary>Desired capacity before the attach, noted before it: what the group is put back to.</summary>
    public int? DesiredBefore { get; init; }
    /// <summary>MaxSize before it was raised for the attach (a full group); null when it was not raised.</summary>
    public int? MaxRaisedFrom { get; init; }
    /// <summary>With <see cref="BackfillStatus.Done"/>: one of <see cref="BackfillOutcomes"/>.</summary>
    public string Outcome { get; init; } = "";
    public string Reason { get; init; } = "";
}

public enum BackfillStatus
{
    /// <summary>A run holds (or held, when the lease lapsed) the backfill.</summary>
    Claimed,
    /// <summary>Finished, whatever the outcome: a later delivery of the same activity is a duplicate.</summary>
    Done,
}

/// <summary>The values of the Backfills metric's Outcome dimension (a fixed set: the dimension stays bounded).</summary>
public static class BackfillOutcomes
{
    public const string Attached = "Attached";
    public const string NoCapacity = "NoCapacity";
    public const string Recovered = "Recovered";
    public const string Duplicate = "Duplicate";
    public const string Disabled = "Disabled";
    public const string DryRun = "DryRun";
    public const string NotPossible = "NotPossible";
    public const string Failed = "Failed";
}
