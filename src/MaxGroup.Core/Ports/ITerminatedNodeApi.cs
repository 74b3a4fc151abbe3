using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The cluster calls made for the Node of a terminated instance (the Kubernetes API in Lambda). Errors surface as in
/// <see cref="INodeDrainer"/>: <see cref="ClusterApiException"/>, or <see cref="HttpRequestException"/> when unreachable.
/// Every call converges when repeated.
/// </summary>
public interface ITerminatedNodeApi
{
    /// <summary>
    /// The node whose providerID names <paramref name="instanceId"/> (in <paramref name="availabilityZone"/> when known),
    /// or null. Never by name: a terminated instance's private DNS name may already belong to a new node.
    /// </summary>
    Task<DrainNode?> FindNodeAsync(string instanceId, string? availabilityZone, CancellationToken cancellationToken);

    /// <summary>Adds the out-of-service taint, keeping the node's other taints; false when it was already there.</summary>
    Task<bool> TaintOutOfServiceAsync(string nodeName, CancellationToken cancellationToken);

    /// <summary>Deletes the Node object; false when it was already gone.</summary>
    Task<bool> DeleteNodeAsync(string nodeName, CancellationToken cancellationToken);
}
