using System.Collections.Concurrent;

namespace MaxGroup.Core.Tests.Drain;

/// <summary>
/// A cluster's nodes by name with their providerID and taints, as the after-termination action sees them; records every
/// call in order (the source's GetTerminatedNodeApiAsync too), and can be told to refuse with an API error.
/// </summary>
internal sealed class FakeTerminatedNodeApi : ITerminatedNodeApi, ITerminatedNodeApiSource
{
    private readonly ConcurrentDictionary<string, (string ProviderId, List<string> Taints)> _nodes = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>When set, taint and delete throw it.</summary>
    public ClusterApiException? Refuse { get; set; }

    public void AddNode(string name, string instanceId, string zone = "us-east-1a") => _nodes[name] = ($"aws:///{zone}/{instanceId}", []);

    public bool HasNode(string name) => _nodes.ContainsKey(name);

    public IReadOnlyList<string> Taints(string name) => _nodes[name].Taints.ToList();

    public Task<ITerminatedNodeApi> GetTerminatedNodeApiAsync(GroupConfig config, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"cluster {config.K8sClusterName}");
        return Task.FromResult<ITerminatedNodeApi>(this);
    }

    public Task<DrainNode?> FindNodeAsync(string instanceId, string? availabilityZone, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"find {instanceId} {availabilityZone ?? "any-zone"}");
        KeyValuePair<string, (string ProviderId, List<string> Taints)> found = _nodes.FirstOrDefault(n => n.Value.ProviderId.EndsWith("/" + instanceId, StringComparison.Ordinal));
        return Task.FromResult(found.Key is null ? null : new DrainNode { Name = found.Key, ProviderId = found.Value.ProviderId });
    }

    public Task<bool> TaintOutOfServiceAsync(string nodeName, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"taint {nodeName}");
        if (Refuse is { } refused)
        {
            throw refused;
        }

        List<string> taints = _nodes[nodeName].Taints;
        if (taints.Contains(Steps.Drain.TerminatedNodeCleanup.OutOfServiceTaint))
        {
            return Task.FromResult(false);
        }

        taints.Add(Steps.Drain.TerminatedNodeCleanup.OutOfServiceTaint);
        return Task.FromResult(true);
    }

    public Task<bool> DeleteNodeAsync(string nodeName, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"delete {nodeName}");
        if (Refuse is { } refused)
        {
            throw refused;
        }

        return Task.FromResult(_nodes.TryRemove(nodeName, out _));
    }
}
