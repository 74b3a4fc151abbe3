using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// Pre-warm records, kept in the ledger table beside interruptions (DynamoDB in AWS). The claim is a conditional
/// write: of two deliveries of the same rebalance recommendation only one launches a successor.
/// </summary>
public interface IPrewarmLedger
{
    /// <summary>
    /// Writes <paramref name="record"/> unless a live record exists for the instance; a record that expired, or a claim
    /// older than <paramref name="staleClaim"/> that never got a successor (its invocation died), is taken over.
    /// Returns null when claimed, else the record that blocks the claim.
    /// </summary>
    Task<PrewarmRecord?> TryClaimAsync(PrewarmRecord record, DateTimeOffset now, TimeSpan staleClaim, CancellationToken cancellationToken);

    /// <summary>The live record of the at-risk instance, or null (none, or past its TTL).</summary>
    Task<PrewarmRecord?> GetAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Claimed → Launched with the successor's id.</summary>
    Task SetSuccessorAsync(string instanceId, string successorInstanceId, CancellationToken cancellationToken);

    Task SetStatusAsync(string instanceId, PrewarmStatus status, string reason, CancellationToken cancellationToken);

    /// <summary>Claimed → Released (the launch failed), so that the next recommendation may try again; no-op in any other status.</summary>
    Task ReleaseClaimAsync(string instanceId, CancellationToken cancellationToken);
}
