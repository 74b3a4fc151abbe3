namespace MaxGroup.Aws.Eks;

/// <summary>What the drain step needs of an EKS cluster: its API endpoint and CA bundle (base64 PEM, as EKS reports it).</summary>
public sealed record EksClusterInfo(string Name, string? Endpoint, string? CertificateAuthorityData, string? Status, string? Arn);
