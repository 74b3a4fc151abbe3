using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>One group "web" in us-east-1a with the given instances and lifecycle states; the volume move only reads.</summary>
internal sealed class FakeAutoScaling(params (string InstanceId, string LifecycleState)[] members) : IAutoScalingApi
{
    public Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AutoScalingGroupInfo>>(
        [
            new AutoScalingGroupInfo
            {
                Name = "web",
                Instances = members.Select(m => new AutoScalingInstanceInfo { InstanceId = m.InstanceId, GroupName = "web", AvailabilityZone = "us-east-1a", LifecycleState = m.LifecycleState }).ToList(),
            },
        ]);

    public Task<IReadOnlyList<AutoScalingInstanceInfo>> DescribeAutoScalingInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task AttachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task SetDesiredCapacityAsync(string groupName, int desiredCapacity, bool honorCooldown, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task UpdateAutoScalingGroupAsync(string groupName, int? minSize, int? maxSize, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task TerminateInstanceInAutoScalingGroupAsync(string instanceId, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<LifecycleHookInfo>> DescribeLifecycleHooksAsync(string groupName, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task CompleteLifecycleActionAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, string result, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task RecordLifecycleActionHeartbeatAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, CancellationToken cancellationToken) => throw new NotSupportedException();
}
