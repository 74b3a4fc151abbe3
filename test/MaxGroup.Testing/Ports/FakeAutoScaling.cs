using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Ports;

/// <summary>
/// Auto Scaling groups in memory with the documented rules MaxGroup depends on: AttachInstances raises desired and
/// fails above MaxSize; DetachInstances with decrement lowers desired and fails below MinSize, without decrement
/// the group launches a replacement. Errors can be queued per operation ("Describe", "Attach", "Detach",
/// "SetDesired", "Update", "Terminate"), or <see cref="Failure"/> set to fail every describe. Operations no test needs throw
/// <see cref="NotSupportedException"/>.
/// </summary>
public sealed class FakeAutoScaling : IAutoScalingApi
{
    private static readonly AsgLaunchTemplate DefaultTemplate = new("lt-1", null, "3");
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private int _launched;
    private int _describeCalls;

    /// <summary>Every change, as "Attach i-1", "Detach i-1 decrement=True", "SetDesired 2", "Update min=- max=3".</summary>
    public List<string> Calls { get; } = [];

    public Dictionary<string, Queue<RemoteApiException>> Errors { get; } = [];

    /// <summary>
    /// Operations ("Terminate") whose next call takes effect and then loses its answer: the caller gets the signed
    /// client's AmbiguousOutcome (status 0), as after a connection dropped once the request was sent. One per entry.
    /// </summary>
    public List<string> LostAnswers { get; } = [];

    /// <summary>When set, every describe throws it (an Auto Scaling outage).</summary>
    public Exception? Failure { get; set; }

    public int DescribeCalls => Volatile.Read(ref _describeCalls);

    public int MutationCount => Calls.Count;

    /// <summary>A group whose members are all InService in us-east-1a, launched from template lt-1 version 3.</summary>
    public void AddGroup(string name, int min, int max, IEnumerable<string> instances, bool capacityRebalance = false, IReadOnlyList<string>? overrides = null, IReadOnlyList<AsgTag>? tags = null)
    {
        List<Member> members = instances.Select(i => new Member(i, "InService")).ToList();
        lock (_lock)
        {
            _groups[name] = new Group
            {
                Name = name,
                Min = min,
                Max = max,
                Members = members,
                Desired = members.Count,
                CapacityRebalance = capacityRebalance,
                LaunchTemplate = DefaultTemplate,
                Overrides = overrides ?? [],
                Tags = [.. tags ?? []],
            };
        }
    }

    /// <summary>A group of members in the given lifecycle states, in us-east-1a, sizes and template unset: for code that only reads membership.</summary>
    public void AddMembers(string name, params (string InstanceId, string LifecycleState)[] members)
    {
        lock (_lock)
        {
            _groups[name] = new Group
            {
                Name = name,
                Members = members.Select(m => new Member(m.InstanceId, m.LifecycleState)).ToList(),
                Overrides = [],
                Tags = [],
            };
        }
    }

    /// <summary>Puts <paramref name="instanceId"/> of <paramref name="name"/> in <paramref name="lifecycleState"/> (Terminating:Wait while a hook holds it, ...).</summary>
    public void SetLifecycleState(string name, string instanceId, string lifecycleState)
    {
        lock (_lock)
        {
            List<Member> members = _groups[name].Members;
            int at = members.FindIndex(m => m.InstanceId == instanceId);
            members[at] = members[at] with { LifecycleState = lifecycleState };
        }
    }

    /// <summary>Adds a tag (not propagated) to <paramref name="group"/>, creating an empty group the first time.</summary>
    public void Tag(string group, string key, string value)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(group, out Group? g))
            {
                _groups[group] = g = new Group { Name = group, Members = [], Overrides = [], Tags = [] };
            }

            g.Tags.Add(new AsgTag(key, value, false));
        }
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
                LaunchTemplate = g.LaunchTemplate,
                OverrideInstanceTypes = g.Overrides,
                Instances = g.Members.Select(m => new AutoScalingInstanceInfo { InstanceId = m.InstanceId, GroupName = g.Name, LifecycleState = m.LifecycleState, AvailabilityZone = "us-east-1a" }).ToList(),
                Tags = [.. g.Tags],
            };
        }
    }

    /// <summary>Empty names = every group, as the API answers.</summary>
    public Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _describeCalls);
        if (Failure is not null)
        {
            throw Failure;
        }

        ThrowQueued("Describe");
        List<string> names;
        lock (_lock)
        {
            names = groupNames.Count == 0 ? [.. _groups.Keys] : groupNames.Where(_groups.ContainsKey).ToList();
        }

        return Task.FromResult<IReadOnlyList<AutoScalingGroupInfo>>(names.Select(Snapshot).ToList());
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

            g.Members.AddRange(instanceIds.Select(i => new Member(i, "InService")));
            g.Desired += instanceIds.Count;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// False: a detach without decrement launches no replacement, as a group whose launches fail for want of Spot
    /// capacity (desired capacity stays, the member is missing).
    /// </summary>
    public bool LaunchesReplacements { get; set; } = true;

    public Task DetachInstancesAsync(string groupName, IReadOnlyList<string> instanceIds, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken)
    {
        Record("Detach", $"Detach {string.Join(",", instanceIds)} decrement={shouldDecrementDesiredCapacity}");
        lock (_lock)
        {
            Group g = _groups[groupName];
            if (instanceIds.Any(i => !g.Members.Exists(m => m.InstanceId == i)))
            {
                throw new RemoteApiException("autoscaling", "ValidationError", "The instance is not part of Auto Scaling group", 400);
            }

            // As AWS: only an InService or Standby member can be detached.
            if (g.Members.FirstOrDefault(m => instanceIds.Contains(m.InstanceId) && m.LifecycleState is not ("InService" or "Standby")) is { } leaving)
            {
                throw new RemoteApiException("autoscaling", "ValidationError", $"The instance {leaving.InstanceId} is not in InService or Standby.", 400);
            }

            if (shouldDecrementDesiredCapacity && g.Desired - instanceIds.Count < g.Min)
            {
                throw new RemoteApiException("autoscaling", "ValidationError", "Detaching would result in a desired capacity below the min size of the group", 400);
            }

            g.Members.RemoveAll(m => instanceIds.Contains(m.InstanceId));
            if (shouldDecrementDesiredCapacity)
            {
                g.Desired -= instanceIds.Count;
            }
            else if (LaunchesReplacements)
            {
                g.Members.AddRange(instanceIds.Select(_ => new Member($"i-f{Interlocked.Increment(ref _launched):x16}", "InService")));
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

    /// <summary>TerminateInstanceInAutoScalingGroup: the member leaves as a detach would, and is listed in <see cref="Terminated"/>.</summary>
    public Task TerminateInstanceInAutoScalingGroupAsync(string instanceId, bool shouldDecrementDesiredCapacity, CancellationToken cancellationToken)
    {
        Record("Terminate", $"Terminate {instanceId} decrement={shouldDecrementDesiredCapacity}");
        lock (_lock)
        {
            Group g = _groups.Values.FirstOrDefault(g => g.Members.Exists(m => m.InstanceId == instanceId))
                ?? throw new RemoteApiException("autoscaling", "ValidationError", $"Instance Id not found - No managed instance found for instance ID: {instanceId}", 400);
            if (shouldDecrementDesiredCapacity && g.Desired - 1 < g.Min)
            {
                throw new RemoteApiException("autoscaling", "ValidationError", "Terminating instance without replacement will violate group's min size constraint", 400);
            }

            g.Members.RemoveAll(m => m.InstanceId == instanceId);
            g.Desired -= shouldDecrementDesiredCapacity ? 1 : 0;
            Terminated.Add(instanceId);
            if (LostAnswers.Remove("Terminate"))
            {
                throw new RemoteApiException("autoscaling", "AmbiguousOutcome", "TerminateInstanceInAutoScalingGroup: the connection failed after the request was sent", 0);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Instances TerminateInstanceInAutoScalingGroup took.</summary>
    public List<string> Terminated { get; } = [];

    /// <summary>The lifecycle hooks DescribeLifecycleHooks answers, by group.</summary>
    public Dictionary<string, List<LifecycleHookInfo>> Hooks { get; } = [];

    /// <summary>Every CompleteLifecycleAction accepted: "group/hook/instance/token RESULT".</summary>
    public List<string> Completions { get; } = [];

    /// <summary>Every RecordLifecycleActionHeartbeat accepted: "group/hook/instance/token".</summary>
    public List<string> Heartbeats { get; } = [];

    public Task<IReadOnlyList<LifecycleHookInfo>> DescribeLifecycleHooksAsync(string groupName, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<LifecycleHookInfo>>(Hooks.TryGetValue(groupName, out List<LifecycleHookInfo>? hooks) ? [.. hooks] : []);
        }
    }

    /// <summary>As Auto Scaling: a second completion of the same action is a ValidationError (no active lifecycle action).</summary>
    public Task CompleteLifecycleActionAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, string result, CancellationToken cancellationToken)
    {
        ThrowQueued("CompleteLifecycleAction");
        string action = $"{groupName}/{hookName}/{instanceId}/{lifecycleActionToken}";
        lock (_lock)
        {
            if (Completions.Any(c => c.StartsWith(action + " ", StringComparison.Ordinal)))
            {
                throw new RemoteApiException("autoscaling", "ValidationError", $"No active Lifecycle Action found with instance ID {instanceId}", 400);
            }

            Completions.Add($"{action} {result}");
        }

        return Task.CompletedTask;
    }

    public Task RecordLifecycleActionHeartbeatAsync(string groupName, string hookName, string instanceId, string? lifecycleActionToken, CancellationToken cancellationToken)
    {
        ThrowQueued("RecordLifecycleActionHeartbeat");
        lock (_lock)
        {
            Heartbeats.Add($"{groupName}/{hookName}/{instanceId}/{lifecycleActionToken}");
        }

        return Task.CompletedTask;
    }

    /// <summary>Simulates AWS reclaiming the instance while it is still in the group.</summary>
    public void Remove(string groupName, string instanceId)
    {
        lock (_lock)
        {
            _groups[groupName].Members.RemoveAll(m => m.InstanceId == instanceId);
        }
    }

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

    private sealed record Member(string InstanceId, string LifecycleState);

    private sealed class Group
    {
        public required string Name { get; init; }
        public int Min { get; set; }
        public int Max { get; set; }
        public int Desired { get; set; }
        public bool CapacityRebalance { get; init; }
        public AsgLaunchTemplate? LaunchTemplate { get; init; }
        public required List<Member> Members { get; init; }
        public required IReadOnlyList<string> Overrides { get; init; }
        public required List<AsgTag> Tags { get; init; }
    }
}
