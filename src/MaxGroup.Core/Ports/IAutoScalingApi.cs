namespace MaxGroup.Core.Ports;

/// <summary>The Auto Scaling operations MaxGroup uses (Query API, version 2011-01-01).</summary>
public interface IAutoScalingApi
{
    /// <summary>Follows NextToken until every page is read. Empty names = every group.</summary>
    Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken);

    Task<IReadOnlyList<AutoScalingInstanceInfo>> DescribeAutoScalingInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);

    Task AttachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);

    Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken);

    Task SetDesiredCapacityAsync(string groupName, int desiredCapacity, bool honorCooldown, CancellationToken cancellationToken);

    /// <summary>Changes MinSize and/or MaxSize (null = unchanged).</summary>
    Task UpdateAutoScalingGroupAsync(string groupName, int? minSize, int? maxSize, CancellationToken cancellationToken);

    Task TerminateInstanceInAutoScalingGroupAsync(string instanceId, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken);

    Task<IReadOnlyList<LifecycleHookInfo>> DescribeLifecycleHooksAsync(string groupName, CancellationToken cancellationToken);

    /// <summary>Result: CONTINUE or ABANDON.</summary>
    Task CompleteLifecycleActionAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, string result, CancellationToken cancellationToken);

    Task RecordLifecycleActionHeartbeatAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, CancellationToken cancellationToken);
}

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

public sealed record LifecycleHookInfo(string HookName, string GroupName, string LifecycleTransition, int HeartbeatTimeout, string DefaultResult);
