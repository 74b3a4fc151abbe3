using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Tests.Replace;

/// <summary>
/// Auto Scaling groups in memory with the documented rules MaxGroup depends on: AttachInstances raises desired and
/// fails above MaxSize; DetachInstances with decrement lowers desired and fails below MinSize, without decrement
/// the group launches a replacement. Errors can be queued per operation.
/// </summary>
internal sealed class FakeAutoScaling : IAutoScalingApi
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Group> _groups = [];
    private int _launched;

    public List<string> Calls { get; } = [];

    public Dictionary<string, Queue<RemoteApiException>> Errors { get; } = [];

    public void AddGroup(string name, int min, int max, IEnumerable<string> instances, bool capacityRebalance = false, IReadOnlyList<string>? overrides = null, IReadOnlyList<AsgTag>? tags = null)
    {
        _groups[name] = new Group
        {
            Name = name,
            Min = min,
            Max = max,
            Instances = instances.ToList(),
            Desired = instances.Count(),
            CapacityRebalance = capacityRebalance,
            Overrides = overrides ?? [],
            Tags = tags ?? [],
        };
    }

    public AutoScalingGroupInfo Snapshot(string name)
    {
        lock (_lock)
        {
            Group g = _groups[name];
            return new AutoScalingGroupInfo
            {
                Name = g.Name,
                MinSize = g.Min,
                MaxSize = g.Max,
                DesiredCapacity = g.Desired,
                CapacityRebalance = g.CapacityRebalance,
                LaunchTemplate = new AsgLaunchTemplate("lt-1", null, "3"),
                OverrideInstanceTypes = g.Overrides,
                Instances = g.Instances.Select(i => new AutoScalingInstanceInfo { InstanceId = i, LifecycleState = "InService", AvailabilityZone = "us-east-1a" }).ToList(),
                Tags = g.Tags,
            };
        }
    }

    public Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken)
    {
        ThrowQueued("Describe");
        IReadOnlyList<AutoScalingGroupInfo> result = groupNames.Where(_groups.ContainsKey).Select(Snapshot).ToList();
        return Task.FromResult(result);
    }

    public Task AttachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Record("Attach", $"Attach {string.Join(",", instanceIds)}");
        lock (_lock)
        {
            Group g = _groups[groupName];
            if (g.Desired + instanceIds.Count > g.Max)
            {
                throw new RemoteApiException("autoscaling", "ValidationError", "New SetDesiredCapacity value would exceed the max size of the group", 400);
            }

            g.Instances.AddRange(instanceIds);
            g.Desired += instanceIds.Count;
        }

        return Task.CompletedTask;
    }

    public Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken)
    {
        Record("Detach", $"Detach {string.Join(",", instanceIds)} decrement={shouldDecrementDesiredCapacity}");
        lock (_lock)
        {
            Group g = _groups[groupName];
            if (instanceIds.Any(i => !g.Instances.Contains(i)))
            {
                throw new RemoteApiException("autoscaling", "ValidationError", "The instance is not part of Auto Scaling group", 400);
            }

            if (shouldDecrementDesiredCapacity && g.Desired - instanceIds.Count < g.Min)
            {
                throw new RemoteApiException("autoscaling", "ValidationError", "Detaching would result in a desired capacity below the min size of the group", 400);
            }

            g.Instances.RemoveAll(instanceIds.Contains);
            if (shouldDecrementDesiredCapacity)
            {
                g.Desired -= instanceIds.Count;
            }
            else
            {
                g.Instances.AddRange(instanceIds.Select(_ => $"i-f{Interlocked.Increment(ref _launched):x16}"));
            }
        }

        return Task.CompletedTask;
    }

    public Task SetDesiredCapacityAsync(string groupName, int desiredCapacity, bool honorCooldown, CancellationToken cancellationToken)
    {
        Record("SetDesired", $"SetDesired {desiredCapacity}");
        lock (_lock)
        {
            _groups[groupName].Desired = desiredCapacity;
        }

        return Task.CompletedTask;
    }

    public Task UpdateAutoScalingGroupAsync(string groupName, int? minSize, int? maxSize, CancellationToken cancellationToken)
    {
        Record("Update", $"Update min={minSize?.ToString() ?? "-"} max={maxSize?.ToString() ?? "-"}");
        lock (_lock)
        {
            Group g = _groups[groupName];
            g.Min = minSize ?? g.Min;
            g.Max = maxSize ?? g.Max;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AutoScalingInstanceInfo>> DescribeAutoScalingInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task TerminateInstanceInAutoScalingGroupAsync(string instanceId, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<LifecycleHookInfo>> DescribeLifecycleHooksAsync(string groupName, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task CompleteLifecycleActionAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, string result, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task RecordLifecycleActionHeartbeatAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    /// <summary>Simulates AWS reclaiming the instance while it is still in the group.</summary>
    public void Remove(string groupName, string instanceId)
    {
        lock (_lock)
        {
            _groups[groupName].Instances.Remove(instanceId);
        }
    }

    public int MutationCount => Calls.Count;

    private void Record(string operation, string call)
    {
        ThrowQueued(operation);
        lock (_lock)
        {
            Calls.Add(call);
        }
    }

    private void ThrowQueued(string operation)
    {
        lock (_lock)
        {
            if (Errors.TryGetValue(operation, out Queue<RemoteApiException>? queue) && queue.Count > 0)
            {
                throw queue.Dequeue();
            }
        }
    }

    private sealed class Group
    {
        public required string Name { get; init; }
        public int Min { get; set; }
        public int Max { get; set; }
        public int Desired { get; set; }
        public bool CapacityRebalance { get; init; }
        public required List<string> Instances { get; init; }
        public required IReadOnlyList<string> Overrides { get; init; }
        public required IReadOnlyList<AsgTag> Tags { get; init; }
    }
}
