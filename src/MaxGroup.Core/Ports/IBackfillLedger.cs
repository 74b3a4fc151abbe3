using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// Backfill records, kept in the ledger table beside interruptions (DynamoDB in AWS). The claim is a conditional write:
/// of two deliveries of the same failed launch only one backfills; a claim whose lease lapsed is taken over, progress kept.
/// </summary>
public interface IBackfillLedger
{
    /// <summary>The record of the group's activity, or null.</summary>
    Task<BackfillRecord?> GetAsync(string groupName, string activityId, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the backfill unless it is Done or a live lease holds it. A lapsed claim is taken over with its progress
    /// (successor, desired and MaxSize before). Returns the record and whether this call holds the claim.
    /// </summary>
    Task<(bool Claimed, BackfillRecord Record)> TryClaimAsync(BackfillRecord claim, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Writes the progress of <paramref name="record"/> (successor, desired before, MaxSize before).</summary>
    Task SaveProgressAsync(BackfillRecord record, CancellationToken cancellationToken);

    /// <summary>Claimed → Done with the outcome.</summary>
    Task FinishAsync(string groupName, string activityId, string outcome, string reason, CancellationToken cancellationToken);

    /// <summary>Ends the lease now (the run failed), progress kept, so a redelivery takes over at once.</summary>
    Task ReleaseAsync(string groupName, string activityId, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>What the dispatcher hands a group's failed launches to.</summary>
public interface ILaunchFailureHandler
{
    Task<DispatchResult> OnLaunchFailedAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken);
}
