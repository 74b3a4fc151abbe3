using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Ports;

/// <summary>Passes every call to <paramref name="inner"/> unchanged; a test overrides the one it watches or bends.</summary>
public class DelegatingAutoScalingApi(IAutoScalingApi inner) : IAutoScalingApi
{
    protected IAutoScalingApi Inner { get; } = inner;

    public virtual Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken) =>
        Inner.DescribeAutoScalingGroupsAsync(groupNames, cancellationToken);

    public virtual Task<IReadOnlyList<AutoScalingInstanceInfo>> DescribeAutoScalingInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        Inner.DescribeAutoScalingInstancesAsync(instanceIds, cancellationToken);

    public virtual Task AttachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        Inner.AttachInstancesAsync(groupName, instanceIds, cancellationToken);

    public virtual Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken) =>
        Inner.DetachInstancesAsync(groupName, instanceIds, shouldDecrementDesiredCapacity, cancellationToken);

    public virtual Task SetDesiredCapacityAsync(string groupName, int desiredCapacity, bool honorCooldown, CancellationToken cancellationToken) =>
        Inner.SetDesiredCapacityAsync(groupName, desiredCapacity, honorCooldown, cancellationToken);

    public virtual Task UpdateAutoScalingGroupAsync(string groupName, int? minSize, int? maxSize, CancellationToken cancellationToken) =>
        Inner.UpdateAutoScalingGroupAsync(groupName, minSize, maxSize, cancellationToken);

    public virtual Task TerminateInstanceInAutoScalingGroupAsync(string instanceId, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken) =>
        Inner.TerminateInstanceInAutoScalingGroupAsync(instanceId, shouldDecrementDesiredCapacity, cancellationToken);

    public virtual Task<IReadOnlyList<LifecycleHookInfo>> DescribeLifecycleHooksAsync(string groupName, CancellationToken cancellationToken) =>
        Inner.DescribeLifecycleHooksAsync(groupName, cancellationToken);

    public virtual Task CompleteLifecycleActionAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, string result, CancellationToken cancellationToken) =>
        Inner.CompleteLifecycleActionAsync(groupName, hookName, instanceId, lifecycleActionToken, result, cancellationToken);

    public virtual Task RecordLifecycleActionHeartbeatAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, CancellationToken cancellationToken) =>
        Inner.RecordLifecycleActionHeartbeatAsync(groupName, hookName, instanceId, lifecycleActionToken, cancellationToken);
}
