using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Ports;

/// <summary>An in-memory <see cref="ILoadBalancerApi"/>: target groups whose deregistered targets stay draining for a set number of health reads.</summary>
public sealed class FakeLoadBalancers : ILoadBalancerApi
{
    private readonly Dictionary<string, (TargetGroupInfo Group, int Delay, int Reads, Dictionary<string, int> Draining, HashSet<string> Registered)> _groups = new(StringComparer.Ordinal);

    /// <summary>Every call, in order ("DeregisterTargets arn", ...).</summary>
    public List<string> Calls { get; } = [];

    /// <summary>A target group with <paramref name="instances"/> registered; a deregistered one reads draining for <paramref name="drainingReads"/> health reads.</summary>
    public void AddTargetGroup(string arn, string type, int delaySeconds, int drainingReads, params string[] instances) =>
        _groups[arn] = (new TargetGroupInfo(arn, type, arn), delaySeconds, drainingReads, new Dictionary<string, int>(StringComparer.Ordinal), [.. instances]);

    public Task<IReadOnlyList<TargetGroupInfo>> DescribeTargetGroupsAsync(IReadOnlyList<string> targetGroupArns, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TargetGroupInfo>>([.. targetGroupArns.Where(_groups.ContainsKey).Select(a => _groups[a].Group)]);

    public Task<int?> DescribeDeregistrationDelayAsync(string targetGroupArn, CancellationToken cancellationToken) => Task.FromResult<int?>(_groups[targetGroupArn].Delay);

    public Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroupArn, IReadOnlyList<TargetHealth> targets, CancellationToken cancellationToken)
    {
        var group = _groups[targetGroupArn];
        var answer = new List<TargetHealth>();
        foreach (string id in targets.Count == 0 ? [.. group.Registered, .. group.Draining.Keys] : targets.Select(t => t.Id))
        {
            if (group.Registered.Contains(id))
            {
                answer.Add(new TargetHealth(id, 80, "healthy"));
            }
            else if (group.Draining.TryGetValue(id, out int left) && left > 0)
            {
                group.Draining[id] = left - 1;
                answer.Add(new TargetHealth(id, 80, "draining", "Target.DeregistrationInProgress"));
            }
            else if (targets.Count > 0)
            {
                answer.Add(new TargetHealth(id, 80, "unused", "Target.NotRegistered"));
            }
        }

        return Task.FromResult<IReadOnlyList<TargetHealth>>(answer);
    }

    public Task DeregisterTargetsAsync(string targetGroupArn, IReadOnlyList<TargetHealth> targets, CancellationToken cancellationToken)
    {
        Calls.Add($"DeregisterTargets {targetGroupArn}");
        var group = _groups[targetGroupArn];
        foreach (TargetHealth target in targets)
        {
            if (group.Registered.Remove(target.Id))
            {
                group.Draining[target.Id] = group.Reads;
            }
        }

        return Task.CompletedTask;
    }

    public Task<ClassicInstanceHealth?> DescribeClassicInstanceHealthAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult<ClassicInstanceHealth?>(null);

    public Task DeregisterFromClassicAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken)
    {
        Calls.Add($"DeregisterInstancesFromLoadBalancer {loadBalancerName}");
        return Task.CompletedTask;
    }
}
