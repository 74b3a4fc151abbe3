using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// The AutoScaling port with only its Describe operations: every mutating method throws before any request is sent,
/// so a read-only command cannot change a group whatever code path it reaches.
/// </summary>
public sealed class ReadOnlyAutoScalingApi(IAutoScalingApi inner) : IAutoScalingApi
{
    private readonly IAutoScalingApi _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken) =>
        _inner.DescribeAutoScalingGroupsAsync(groupNames, cancellationToken);

    public Task<IReadOnlyList<AutoScalingInstanceInfo>> DescribeAutoScalingInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        _inner.DescribeAutoScalingInstancesAsync(instanceIds, cancellationToken);

    public Task<IReadOnlyList<LifecycleHookInfo>> DescribeLifecycleHooksAsync(string groupName, CancellationToken cancellationToken) =>
        _inner.DescribeLifecycleHooksAsync(groupName, cancellationToken);

    public Task AttachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        throw Refuse("AttachInstances");

    public Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken) =>
        throw Refuse("DetachInstances");

    public Task SetDesiredCapacityAsync(string groupName, int desiredCapacity, bool honorCooldown, CancellationToken cancellationToken) =>
        throw Refuse("SetDesiredCapacity");

    public Task UpdateAutoScalingGroupAsync(string groupName, int? minSize, int? maxSize, CancellationToken cancellationToken) =>
        throw Refuse("UpdateAutoScalingGroup");

    public Task TerminateInstanceInAutoScalingGroupAsync(string instanceId, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken) =>
        throw Refuse("TerminateInstanceInAutoScalingGroup");

    public Task CompleteLifecycleActionAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, string result, CancellationToken cancellationToken) =>
        throw Refuse("CompleteLifecycleAction");

    public Task RecordLifecycleActionHeartbeatAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, CancellationToken cancellationToken) =>
        throw Refuse("RecordLifecycleActionHeartbeat");

    private static ReadOnlyViolationException Refuse(string action) => ReadOnlyViolationException.For("autoscaling", action);
}
