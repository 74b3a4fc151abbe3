namespace MaxGroup.Kubernetes.Cluster;

/// <summary>
/// Finds an EKS cluster's API endpoint and certificate authority by name (EKS DescribeCluster in Lambda).
/// Used when the group config does not carry k8s_endpoint and k8s_certificate_authority itself.
/// </summary>
public interface IClusterLocator
{
    Task<ClusterConnection> DescribeAsync(string clusterName, CancellationToken cancellationToken);
}

/// <summary>Where a cluster's API server answers and the CA its serving certificate chains to (base64 PEM, as EKS reports it).</summary>
public sealed record ClusterConnection(string Endpoint, string CertificateAuthorityBase64);
