using System.Text.Json;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Eks;

/// <summary>EKS DescribeCluster (REST-JSON, `GET /clusters/{name}`) through the signed client.</summary>
/// <param name="client">A signed client for <see cref="AwsService.Eks"/>.</param>
public sealed class EksClient(AwsSignedHttpClient client)
{
    private readonly AwsSignedHttpClient _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>The cluster's endpoint and certificateAuthority.data; a missing cluster is a RemoteApiException (ResourceNotFoundException).</summary>
    public async Task<EksClusterInfo> DescribeClusterAsync(string clusterName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        var request = new AwsRequest
        {
            Method = HttpMethod.Get,
            Path = "/clusters/" + Uri.EscapeDataString(clusterName),
            Operation = "DescribeCluster",
        };
        AwsResponse response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            using JsonDocument document = JsonDocument.Parse(response.Body);
            JsonElement cluster = document.RootElement.GetProperty("cluster");
            return new EksClusterInfo(
                String(cluster, "name") ?? clusterName,
                String(cluster, "endpoint"),
                cluster.TryGetProperty("certificateAuthority", out JsonElement authority) ? String(authority, "data") : null,
                String(cluster, "status"),
                String(cluster, "arn"));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new RemoteApiException("eks", "MalformedResponse", $"DescribeCluster: unexpected answer ({ex.Message})", response.StatusCode, ex);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
