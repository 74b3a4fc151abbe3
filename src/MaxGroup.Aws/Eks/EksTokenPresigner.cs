using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace MaxGroup.Aws.Eks;

/// <summary>
/// Builds the bearer token EKS accepts for an IAM identity: "k8s-aws-v1." + base64url of a presigned STS
/// GetCallerIdentity URL whose signature covers the x-k8s-aws-id header naming the cluster.
/// </summary>
public static class EksTokenPresigner
{
    public const string TokenPrefix = "k8s-aws-v1.";
    public const string ClusterIdHeader = "x-k8s-aws-id";

    /// <summary>EKS rejects a presigned URL older than 15 minutes whatever X-Amz-Expires says; 60 s is what aws-iam-authenticator sends.</summary>
    public const int PresignExpirySeconds = 60;

    /// <summary>The token for <paramref name="clusterName"/>, signed at <paramref name="signedAt"/> with SigV4 query-string signing.</summary>
    public static string CreateToken(ImmutableCredentials credentials, string region, string clusterName, DateTimeOffset signedAt)
    {
        string url = CreatePresignedUrl(credentials, region, clusterName, signedAt);
        return TokenPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(url)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The regional STS host: sts.REGION.amazonaws.com (amazonaws.com.cn in the China partition).</summary>
    public static string StsHost(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? $"sts.{region}.amazonaws.com.cn" : $"sts.{region}.amazonaws.com";

    /// <summary>The presigned GET URL the token wraps.</summary>
    public static string CreatePresignedUrl(ImmutableCredentials credentials, string region, string clusterName, DateTimeOffset signedAt)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(clusterName);

        string host = StsHost(region);
        var config = new AmazonSecurityTokenServiceConfig { ServiceURL = $"https://{host}", AuthenticationRegion = region };
        var request = new DefaultRequest(new GetCallerIdentityRequest(), "AmazonSecurityTokenService")
        {
            HttpMethod = "GET",
            Endpoint = new Uri($"https://{host}/"),
            ResourcePath = "/",
            UseQueryString = true,
        };
        request.Parameters["Action"] = "GetCallerIdentity";
        request.Parameters["Version"] = "2011-06-15";
        request.Parameters["X-Amz-Expires"] = PresignExpirySeconds.ToString(CultureInfo.InvariantCulture);
        if (credentials.UseToken)
        {
            // Session credentials (the Lambda role's) must travel with the URL; the signer signs every parameter present.
            request.Parameters["X-Amz-Security-Token"] = credentials.Token;
        }

        request.Headers["host"] = host;
        request.Headers[ClusterIdHeader] = clusterName;

        AWS4SigningResult result = AWS4PreSignedUrlSigner.SignRequest(
            request, config, null, credentials.AccessKey, credentials.SecretKey, "sts", region, signedAt.UtcDateTime);

        var url = new StringBuilder($"https://{host}/?");
        foreach (KeyValuePair<string, string> parameter in request.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            url.Append(Uri.EscapeDataString(parameter.Key)).Append('=').Append(Uri.EscapeDataString(parameter.Value)).Append('&');
        }

        url.Append(result.ForQueryParameters);
        return url.ToString();
    }
}
