namespace MaxGroup.Core.Model;

/// <summary>Everything the drainer needs to know about one interruption.</summary>
public sealed record DrainRequest
{
    public required string InstanceId { get; init; }
    public required string AvailabilityZone { get; init; }
    /// <summary>The EC2 private DNS name: the node name on EKS, the fallback when no node carries the providerID.</summary>
    public string? PrivateDnsName { get; init; }
    /// <summary>The replacement instance when known; else any new Ready node counts as the successor.</summary>
    public string? SuccessorInstanceId { get; init; }
    /// <summary>Used as the taint's value, as aws-node-termination-handler does, to tell which event cordoned the node.</summary>
    public required string EventId { get; init; }
    public required DateTimeOffset WarningTime { get; init; }
    /// <summary>When the drain must have stopped, leaving time to report.</summary>
    public required DateTimeOffset Deadline { get; init; }
    /// <summary>k8s_node_drain_grace_second.</summary>
    public int MaxGraceSeconds { get; init; } = 120;
    /// <summary>k8s_delay_draining_secs: longest wait for the successor node; 0 evicts at once.</summary>
    public int SuccessorWaitSeconds { get; init; }
    public bool DryRun { get; init; }
    /// <summary>lb_deregistration_wait_seconds when the traffic step runs: the longest the evictions wait for it; null = no wait.</summary>
    public int? TrafficWaitSeconds { get; init; }
}
