using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Tests.Configuration;

/// <summary>An in-memory bucket with S3's conditional GET semantics (ETag = MD5 of the content, 304 on a match).</summary>
internal sealed class InMemoryConfigObjectStore : IConfigObjectStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public List<(string Key, string? IfNoneMatch)> Requests { get; } = [];

    /// <summary>When set, every read throws it (an S3 outage).</summary>
    public Exception? Failure { get; set; }

    public void Put(string key, string json) => _objects[key] = Encoding.UTF8.GetBytes(json);

    public void Delete(string key) => _objects.TryRemove(key, out _);

    public static string ETagOf(byte[] content) => "\"" + Convert.ToHexStringLower(MD5.HashData(content)) + "\"";

    public Task<ConfigObjectResult> GetAsync(string key, string? ifNoneMatchETag, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add((key, ifNoneMatchETag));
        }

        if (Failure is not null)
        {
            throw Failure;
        }

        if (!_objects.TryGetValue(key, out byte[]? content))
        {
            return Task.FromResult(ConfigObjectResult.NotFound);
        }

        string etag = ETagOf(content);
        return Task.FromResult(etag == ifNoneMatchETag ? ConfigObjectResult.NotModified(etag) : ConfigObjectResult.Found(content, etag));
    }
}

/// <summary>Answers DescribeAutoScalingGroups from a map of group tags; every other operation is outside these tests.</summary>
internal sealed class InMemoryAutoScalingApi : IAutoScalingApi
{
    public Dictionary<string, List<AsgTag>> Groups { get; } = new(StringComparer.Ordinal);

    public int DescribeCalls { get; private set; }

    public Exception? Failure { get; set; }

    public void Tag(string group, string key, string value)
    {
        if (!Groups.TryGetValue(group, out List<AsgTag>? tags))
        {
            Groups[group] = tags = [];
        }

        tags.Add(new AsgTag(key, value, false));
    }

    public Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken)
    {
        DescribeCalls++;
        if (Failure is not null)
        {
            throw Failure;
        }

        IReadOnlyList<AutoScalingGroupInfo> found = Groups
            .Where(g => groupNames.Count == 0 || groupNames.Contains(g.Key))
            .Select(g => new AutoScalingGroupInfo { Name = g.Key, Tags = g.Value.ToList() })
            .ToList();
        return Task.FromResult(found);
    }

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

internal sealed class RecordingLogger : ILogger
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

internal sealed class RecordingMetrics : IMetrics
{
    public List<(string Name, double Value, IReadOnlyDictionary<string, string>? Dimensions)> Records { get; } = [];

    public void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null)
    {
        lock (Records)
        {
            Records.Add((name, value, dimensions));
        }
    }
}
