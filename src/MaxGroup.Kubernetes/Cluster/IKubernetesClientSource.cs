using k8s;
using MaxGroup.Core.Model;

namespace MaxGroup.Kubernetes.Cluster;

/// <summary>Gives the drain step a Kubernetes client for a group's cluster.</summary>
public interface IKubernetesClientSource
{
    /// <summary>The client for the cluster the group's nodes join; throws <see cref="ClusterConfigurationException"/> when none can be built.</summary>
    Task<IKubernetes> GetClientAsync(GroupConfig config, CancellationToken cancellationToken);
}

/// <summary>The group's configuration does not say how to reach its cluster.</summary>
public sealed class ClusterConfigurationException : Exception
{
    public ClusterConfigurationException(string message)
        : base(message)
    {
    }

    public ClusterConfigurationException()
    {
    }

    public ClusterConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
