using k8s;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Kubernetes.Cluster;

/// <summary>Gives the node drainer a Kubernetes client for a group's cluster.</summary>
public interface IKubernetesClientSource
{
    /// <summary>The client for the cluster the group's nodes join; throws <see cref="ClusterConfigurationException"/> when none can be built.</summary>
    Task<IKubernetes> GetClientAsync(GroupConfig config, CancellationToken cancellationToken);
}
