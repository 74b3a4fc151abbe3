namespace MaxGroup.Core.Model;

/// <summary>
/// What the dispatcher resolved for a terminated instance whose Node may still be in its cluster, and sends the drain
/// function (the one role with Kubernetes rights): the group's config names the cluster and the action, so the drain
/// function looks nothing up outside the cluster.
/// </summary>
public sealed record TerminatedNodeRequest
{
    /// <summary>The value of <see cref="Kind"/>: tells this payload from a remediation request on the drain function.</summary>
    public const string KindName = "terminated-node";

    public string Kind { get; init; } = KindName;
    public required string InstanceId { get; init; }
    /// <summary>The EC2 state the event reported ("terminated").</summary>
    public required string State { get; init; }
    /// <summary>The EventBridge id of the state change.</summary>
    public required string EventId { get; init; }
    public required string GroupName { get; init; }
    /// <summary>From DescribeInstances while EC2 still reports the instance; null = the node is searched in every zone.</summary>
    public string? AvailabilityZone { get; init; }
    public required GroupConfig Config { get; init; }
    public bool DryRun { get; init; }
    /// <summary>The ledger holds a hand-over of the instance: the outcome goes on its timeline.</summary>
    public bool HasHandover { get; init; }
}
