namespace MaxGroup.Core.Model;

/// <summary>An Auto Scaling group as DescribeAutoScalingGroups reports it (the parts MaxGroup reads).</summary>
public sealed record AutoScalingGroupInfo
{
    public required string Name { get; init; }
    public string? Arn { get; init; }
    public int MinSize { get; init; }
    public int MaxSize { get; init; }
    public int DesiredCapacity { get; init; }
    public bool CapacityRebalance { get; init; }
    /// <summary>Launch template of the group, or of its mixed instances policy.</summary>
    public AsgLaunchTemplate? LaunchTemplate { get; init; }
    /// <summary>Instance types allowed by a mixed instances policy's overrides, in order (empty when none).</summary>
    public IReadOnlyList<string> OverrideInstanceTypes { get; init; } = [];
    public IReadOnlyList<string> AvailabilityZones { get; init; } = [];
    /// <summary>Comma-separated subnet ids (VPCZoneIdentifier) split.</summary>
    public IReadOnlyList<string> SubnetIds { get; init; } = [];
    public IReadOnlyList<AutoScalingInstanceInfo> Instances { get; init; } = [];
    public IReadOnlyList<AsgTag> Tags { get; init; } = [];
    /// <summary>ELBv2 target groups the group registers its instances in (TargetGroupARNs; the traffic step).</summary>
    public IReadOnlyList<string> TargetGroupArns { get; init; } = [];
    /// <summary>Classic Load Balancers the group registers its instances with (LoadBalancerNames; the traffic step).</summary>
    public IReadOnlyList<string> LoadBalancerNames { get; init; } = [];
    /// <summary>
    /// The mixed instances policy's InstancesDistribution: On-Demand instances the group keeps before any Spot
    /// (OnDemandBaseCapacity) and the On-Demand share above it (OnDemandPercentageAboveBaseCapacity); null without a
    /// mixed instances policy. The swap back to Spot never goes below them.
    /// </summary>
    public OnDemandDistribution? OnDemand { get; init; }
}

/// <summary>AWS's defaults when the policy leaves them out: base 0, 100 % On-Demand above it.</summary>
public sealed record OnDemandDistribution(int BaseCapacity, int PercentageAboveBase)
{
    /// <summary>The On-Demand instances the group wants at <paramref name="capacity"/>: the base, then the share above it rounded up.</summary>
    public int RequiredAt(int capacity)
    {
        int above = Math.Max(0, capacity - BaseCapacity);
        return Math.Min(capacity, BaseCapacity) + (int)Math.Ceiling(above * PercentageAboveBase / 100.0);
    }
}

public sealed record AsgLaunchTemplate(string? LaunchTemplateId, string? LaunchTemplateName, string? Version);

public sealed record AsgTag(string Key, string Value, bool PropagateAtLaunch);

/// <summary>An instance in a group: InService, Pending, Terminating, Detaching...</summary>
public sealed record AutoScalingInstanceInfo
{
    public required string InstanceId { get; init; }
    public string? GroupName { get; init; }
    public string? AvailabilityZone { get; init; }
    public string? LifecycleState { get; init; }
    public string? HealthStatus { get; init; }
    public string? InstanceType { get; init; }
}

public sealed record LifecycleHookInfo(string HookName, string GroupName, string LifecycleTransition, int HeartbeatTimeout, string DefaultResult)
{
    /// <summary>Seconds after which Auto Scaling applies the default result whatever the heartbeats (null = not answered).</summary>
    public int? GlobalTimeout { get; init; }
}
