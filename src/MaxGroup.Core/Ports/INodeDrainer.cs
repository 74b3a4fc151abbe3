using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The cluster calls one drain makes (the Kubernetes API in Lambda). An error answer that ends the drain surfaces as
/// <see cref="ClusterApiException"/>, an unreachable server as <see cref="HttpRequestException"/>; an eviction's
/// answer, whatever it is, comes back as a <see cref="PodEviction"/>. Every call converges when repeated.
/// </summary>
public interface INodeDrainer
{
    /// <summary>The node of the request's instance (by providerID, else by private DNS name), or null when none is found.</summary>
    Task<DrainNode?> FindNodeAsync(DrainRequest request, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="node"/> unschedulable, taints it for <paramref name="eventId"/> and excludes it from load balancers.</summary>
    Task<CordonResult> CordonAsync(DrainNode node, string eventId, CancellationToken cancellationToken);

    /// <summary>Every node of the cluster (the successor wait looks for a new Ready one).</summary>
    Task<IReadOnlyList<DrainNode>> ListNodesAsync(CancellationToken cancellationToken);

    /// <summary>The pods bound to <paramref name="nodeName"/>, each with its disposition.</summary>
    Task<IReadOnlyList<DrainPod>> ListPodsAsync(string nodeName, CancellationToken cancellationToken);

    /// <summary>Asks the Eviction API to evict <paramref name="pod"/> with <paramref name="gracePeriodSeconds"/>.</summary>
    Task<PodEviction> EvictAsync(DrainPod pod, long gracePeriodSeconds, CancellationToken cancellationToken);

    /// <summary>
    /// Records <paramref name="nodeEvent"/> as a Kubernetes Event on <paramref name="node"/>. The drain calls it best
    /// effort, off its own path (the drain step's DrainEvents): bounded, errors counted, never waited for by
    /// an eviction. A drainer that records nothing keeps this default.
    /// </summary>
    Task RecordEventAsync(DrainNode node, NodeEvent nodeEvent, CancellationToken cancellationToken) => Task.CompletedTask;
}
