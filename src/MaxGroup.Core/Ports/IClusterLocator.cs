using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// Finds a Kubernetes cluster's API endpoint and certificate authority by name (EKS DescribeCluster in Lambda).
/// Used when the group config does not carry k8s_endpoint and k8s_certificate_authority itself.
/// </summary>
public interface IClusterLocator
{
    /// <summary>Where <paramref name="clusterName"/> answers; failures surface as <see cref="RemoteApiException"/>.</summary>
    Task<ClusterConnection> DescribeAsync(string clusterName, CancellationToken cancellationToken);
}
