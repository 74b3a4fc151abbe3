namespace MaxGroup.Core.Steps.Backfill;

/// <summary>How long a backfill claim holds, how long its record is kept, how long the successor may take to run.</summary>
public sealed record BackfillOptions
{
    /// <summary>
    /// A claim's lease. Longer than the dispatcher's timeout (60 s), so a live run is never overlapped; a run that died
    /// (killed at the timeout) is taken over by Lambda's retry a minute later.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(75);
    /// <summary>How long the ledger keeps a record (the duplicate check and history) before the TTL removes it.</summary>
    public TimeSpan RecordLifetime { get; init; } = TimeSpan.FromDays(1);
    /// <summary>
    /// Longest wait for the successor to be running (AttachInstances takes running instances only), inside the
    /// dispatcher's timeout. Past it the run fails, its lease is released, and the retry attaches the same successor.
    /// </summary>
    public TimeSpan RunningWait { get; init; } = TimeSpan.FromSeconds(40);
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>MAXGROUP_DRY_RUN=true (or the CLI's --dry-run): no group is backfilled for real.</summary>
    public bool ForceDryRun { get; init; }
}
