namespace MaxGroup.Core.Model;

/// <summary>Where a cluster's API server answers and the CA its serving certificate chains to (base64 PEM, as EKS reports it).</summary>
public sealed record ClusterConnection(string Endpoint, string CertificateAuthorityBase64);
