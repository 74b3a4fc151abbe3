using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Eks;

/// <summary>Finds a cluster's endpoint and CA through EKS DescribeCluster (the signed client).</summary>
public sealed class EksClusterLocator(EksClient eks) : IClusterLocator
{
    private readonly EksClient _eks = eks ?? throw new ArgumentNullException(nameof(eks));

    public async Task<ClusterConnection> DescribeAsync(string clusterName, CancellationToken cancellationToken)
    {
        EksClusterInfo cluster = await _eks.DescribeClusterAsync(clusterName, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(cluster.Endpoint) || string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            throw new RemoteApiException("eks", "ClusterNotReady", $"cluster \"{clusterName}\" reports no endpoint or certificate authority yet (status {cluster.Status ?? "unknown"})");
        }

        return new ClusterConnection(cluster.Endpoint, cluster.CertificateAuthorityData);
    }
}
