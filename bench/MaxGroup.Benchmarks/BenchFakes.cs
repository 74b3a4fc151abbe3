using MaxGroup.Core.Events;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Benchmarks;

/// <summary>Instances by id, as DescribeInstances would answer (copied in small from the Core test fakes).</summary>
internal sealed class BenchInventory : IInstanceInventory
{
    private readonly Dictionary<string, InstanceFacts> _instances = new(StringComparer.Ordinal);

    public void Add(InstanceFacts facts) => _instances[facts.InstanceId] = facts;

    public Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(_instances.GetValueOrDefault(instanceId));
}

/// <summary>Group configs by name; a group without one is not managed.</summary>
internal sealed class BenchConfigSource : IGroupConfigSource
{
    private readonly Dictionary<string, GroupConfigLookup> _configs = new(StringComparer.Ordinal);

    public void Add(GroupConfig config) => _configs[config.GroupName] = GroupConfigLookup.ManagedBy(config);

    public Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken) =>
        Task.FromResult(_configs.TryGetValue(groupName, out GroupConfigLookup? lookup)
            ? lookup
            : GroupConfigLookup.NotManaged("no configuration for the group"));
}

/// <summary>Accepts every step start: the Lambda invoke is not part of the dispatcher's own cost.</summary>
internal sealed class AcceptingInvoker : IFunctionInvoker
{
    public int Started { get; private set; }

    public Task StartAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        Started++;
        return Task.CompletedTask;
    }
}

/// <summary>A clock that stands still, so a warning never ages past its reclaim time during a long run.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Events and instances for the benchmarks.</summary>
internal static class BenchSamples
{
    public static readonly DateTimeOffset WarningTime = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);

    public static string WarningJson(string instanceId, string eventId) => $$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
         "account":"123456789012","time":"{{{WarningTime.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}}","region":"us-east-1",
         "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
         "detail":{"instance-id":"{{{instanceId}}}","instance-action":"terminate"}}
        """;

    public static MaxGroupEvent.SpotInterruption Warning(string instanceId, string eventId) =>
        (MaxGroupEvent.SpotInterruption)EventParser.Parse(WarningJson(instanceId, eventId));

    public static InstanceFacts Instance(string instanceId, string group) => new()
    {
        InstanceId = instanceId,
        GroupName = group,
        AvailabilityZone = "us-east-1a",
        SubnetId = "subnet-a",
        InstanceType = "m5.large",
        Lifecycle = "spot",
        State = "running",
        PrivateIpAddress = "10.0.0.10",
        LaunchTemplate = new LaunchTemplateRef("lt-1", null, "3"),
    };
}
