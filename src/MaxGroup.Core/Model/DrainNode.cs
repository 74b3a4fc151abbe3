namespace MaxGroup.Core.Model;

/// <summary>A cluster node as the drain sees it: the doomed one, or a candidate successor.</summary>
public sealed record DrainNode
{
    public required string Name { get; init; }

    /// <summary>The cloud provider's id, "aws:///ZONE/INSTANCE_ID" on EKS.</summary>
    public string? ProviderId { get; init; }

    public bool Unschedulable { get; init; }

    /// <summary>The node's Ready condition is True.</summary>
    public bool Ready { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Already unschedulable, tainted with the Spot interruption taint and excluded from load balancers.</summary>
    public bool Cordoned { get; init; }
}
