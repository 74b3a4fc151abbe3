using MaxGroup.Core.Model;

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
