namespace MaxGroup.Core.Model;

/// <summary>
/// The ledger entry of one pre-warm (key prewarm#&lt;instance-id&gt;): which at-risk instance got a successor early,
/// which one, and until when it is kept without a warning. The TTL removes it afterwards.
/// </summary>
public sealed record PrewarmRecord
{
    /// <summary>The at-risk instance named by the rebalance recommendation.</summary>
    public required string InstanceId { get; init; }
    public required string GroupName { get; init; }
    public required string EventId { get; init; }
    public PrewarmStatus Status { get; init; } = PrewarmStatus.Claimed;
    public string? SuccessorInstanceId { get; init; }
    public required DateTimeOffset ClaimedAt { get; init; }
    /// <summary>When an unused successor is released by the sweep.</summary>
    public required DateTimeOffset KeepUntil { get; init; }
    /// <summary>DynamoDB TTL: after this the record no longer blocks a new pre-warm.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
    public string Reason { get; init; } = "";
}
