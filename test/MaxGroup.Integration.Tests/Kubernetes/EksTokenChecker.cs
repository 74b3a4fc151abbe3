using Amazon.Runtime.Internal.Auth;
using MaxGroup.Aws.Eks;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>
/// Checks an EKS bearer token the way the EKS authenticator does before it calls STS: the prefix, the presigned
/// URL's host, action, version, expiry, signed headers and age; and, knowing the secret key, recomputes the
/// SigV4 signature over the cluster header with AWSSDK.Core's signer.
/// </summary>
public static class EksTokenChecker
{
    public static PresignedToken Decode(string token)
    {
        Assert.StartsWith(EksTokenPresigner.TokenPrefix, token);
        string payload = token[EksTokenPresigner.TokenPrefix.Length..];
        Assert.DoesNotContain("=", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("+", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("/", payload, StringComparison.Ordinal);
        string base64 = payload.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var url = new Uri(Encoding.UTF8.GetString(Convert.FromBase64String(base64)));
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            query[Uri.UnescapeDataString(kv[0])] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
        }

        return new PresignedToken(url, query);
    }

    /// <summary>True when the token is one EKS would accept at <paramref name="now"/> for the cluster; the reason otherwise.</summary>
    public static string? Problem(string token, string clusterName, string region, string accessKey, string secretKey, DateTimeOffset now)
    {
        PresignedToken decoded;
        try
        {
            decoded = Decode(token);
        }
        catch (Exception ex) when (ex is FormatException or Xunit.Sdk.XunitException or UriFormatException)
        {
            return "undecodable token";
        }

        IReadOnlyDictionary<string, string> q = decoded.Query;
        if (decoded.Url.Scheme != "https" || decoded.Url.Host != $"sts.{region}.amazonaws.com" || decoded.Url.AbsolutePath != "/")
        {
            return $"wrong STS endpoint {decoded.Url}";
        }

        if (q.GetValueOrDefault("Action") != "GetCallerIdentity" || q.GetValueOrDefault("Version") != "2011-06-15")
        {
            return "not a GetCallerIdentity call";
        }

        if (q.GetValueOrDefault("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.GetValueOrDefault("X-Amz-Expires") != "60")
        {
            return "wrong algorithm or expiry";
        }

        string signedHeaders = q.GetValueOrDefault("X-Amz-SignedHeaders") ?? "";
        if (!signedHeaders.Split(';').Contains("x-k8s-aws-id") || !signedHeaders.Split(';').Contains("host"))
        {
            return "x-k8s-aws-id is not signed";
        }

        DateTimeOffset signedAt = DateTimeOffset.ParseExact(q.GetValueOrDefault("X-Amz-Date") ?? "", "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        // EKS accepts a token up to 15 minutes after signing, whatever X-Amz-Expires says.
        if (now - signedAt > TimeSpan.FromMinutes(15) || signedAt - now > TimeSpan.FromMinutes(5))
        {
            return "expired";
        }

        string date = signedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        if (q.GetValueOrDefault("X-Amz-Credential") != $"{accessKey}/{date}/{region}/sts/aws4_request")
        {
            return "wrong credential scope";
        }

        string canonicalQuery = string.Join('&', q.Where(p => p.Key != "X-Amz-Signature")
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        string canonicalRequest = string.Join('\n',
            "GET",
            "/",
            canonicalQuery,
            $"host:{decoded.Url.Host}",
            $"x-k8s-aws-id:{clusterName}",
            "",
            "host;x-k8s-aws-id",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        string expected = AWS4Signer.ComputeSignature(accessKey, secretKey, region, signedAt.UtcDateTime, "sts", "host;x-k8s-aws-id", canonicalRequest).Signature;
        return expected == q.GetValueOrDefault("X-Amz-Signature") ? null : "signature mismatch";
    }

    public sealed record PresignedToken(Uri Url, IReadOnlyDictionary<string, string> Query);
}
