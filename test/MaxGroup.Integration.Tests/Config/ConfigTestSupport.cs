using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Configuration;

/// <summary>S3 clients pointed at moto (or the fault proxy in front of it), and small helpers for config objects.</summary>
internal static class ConfigTestSupport
{
    public static AmazonS3Client S3(string endpoint, int maxErrorRetry = 2) =>
        new(new BasicAWSCredentials("testing", "testing"), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = maxErrorRetry,
            Timeout = TimeSpan.FromSeconds(10),
        });

    public static async Task<string> NewBucketAsync(IAmazonS3 s3)
    {
        string bucket = "cfg-" + Guid.NewGuid().ToString("N")[..12];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        return bucket;
    }

    public static Task PutAsync(IAmazonS3 s3, string bucket, string key, string body) =>
        s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = body, ContentType = "application/json" });
}

/// <summary>
/// Tags of groups for the tag source, in memory: the AutoScaling client is another helper's work (signed Query API);
/// until it lands this stands in for the port only, never for the S3 side under test.
/// </summary>
internal sealed class TagsOnlyAutoScalingApi : IAutoScalingApi
{
    private readonly Dictionary<string, List<AsgTag>> _groups = new(StringComparer.Ordinal);

    public void Tag(string group, string key, string value)
    {
        if (!_groups.TryGetValue(group, out List<AsgTag>? tags))
        {
            _groups[group] = tags = [];
        }

        tags.Add(new AsgTag(key, value, false));
    }

    public Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AutoScalingGroupInfo>>(_groups
            .Where(g => groupNames.Contains(g.Key))
            .Select(g => new AutoScalingGroupInfo { Name = g.Key, Tags = g.Value.ToList() })
            .ToList());

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

internal sealed class ListLogger : ILogger
{
    public List<(LogLevel Level, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries)
        {
            Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}

internal sealed class ListMetrics : IMetrics
{
    public List<string> Names { get; } = [];

    public void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null)
    {
        lock (Names)
        {
            Names.Add(name);
        }
    }
}
