using MaxGroup.Consul;
using MaxGroup.Core.Steps.Consul;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>Requests, configs and a step wired to loopback Consul fakes.</summary>
internal static class ConsulTestData
{
    public static readonly HttpClient Http = ConsulApiClient.CreateHttpClient();

    /// <summary>The registry client's per-request timeout in these tests (its default).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public static readonly ConsulStepOptions FastOptions = new()
    {
        WorkReserve = TimeSpan.FromSeconds(3),
        RetryInterval = TimeSpan.FromMilliseconds(100),
    };

    public static GroupConfig ConsulConfig(int agentPort, int delaySeconds = 0) => new()
    {
        GroupName = "web-asg",
        ConsulPort = agentPort,
        DetachingDelaySeconds = delaySeconds,
    };

    public static InstanceFacts Instance(string privateIp = "127.0.0.1", string? privateDns = "ip-10-1-2-3.ec2.internal") => new()
    {
        InstanceId = "i-0123456789abcdef0",
        GroupName = "web-asg",
        AvailabilityZone = "us-east-1a",
        PrivateIpAddress = privateIp,
        PrivateDnsName = privateDns,
        InstanceType = "m5.large",
        Lifecycle = "spot",
        State = "running",
    };

    public static RemediationRequest Request(GroupConfig config, InstanceFacts? instance = null, TimeSpan? untilReclaim = null, bool dryRun = false)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return new RemediationRequest
        {
            Step = StepNames.Consul,
            EventId = "7a1b2c3d-0000-4000-8000-000000000007",
            WarningTime = now,
            ReclaimAt = now + (untilReclaim ?? TimeSpan.FromSeconds(120)),
            Instance = instance ?? Instance(),
            Config = config,
            DryRun = dryRun,
        };
    }

    public static ConsulDeregistrationStep Step(ISecureParameterReader? secrets, RecordingLogger<ConsulDeregistrationStep> logger, ConsulStepOptions? options = null, TimeProvider? clock = null) =>
        new(new ConsulApiClient(Http, clock ?? TimeProvider.System, RequestTimeout), secrets ?? new InMemorySecrets(), clock ?? TimeProvider.System, logger, options ?? FastOptions);
}

/// <summary>An in-memory secret store (a fake of the port) that counts reads, for cache and rotation behaviour.</summary>
internal sealed class InMemorySecrets : ISecureParameterReader
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public int Reads { get; private set; }

    public string this[string name]
    {
        set => _values[name] = value;
    }

    public Task<string> GetSecureStringAsync(string name, CancellationToken cancellationToken)
    {
        Reads++;
        return _values.TryGetValue(name, out string? value)
            ? Task.FromResult(value)
            : throw new RemoteApiException("ssm", "ParameterNotFound", $"parameter '{name}' not found", 400);
    }
}
