using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace MaxGroup.Aws.Signing;

/// <summary>
/// Signs an <see cref="HttpRequestMessage"/> with Signature Version 4. The signature itself (string to sign,
/// key derivation, HMAC) is AWSSDK.Core's <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>;
/// this class only builds the canonical request from the message and sets the headers.
/// </summary>
public static class SigV4RequestSigner
{
    public const string DateHeader = "X-Amz-Date";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";

    private const string EmptyBodySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// Adds X-Amz-Date, X-Amz-Security-Token (temporary credentials) and Authorization to <paramref name="request"/>.
    /// Signs host, content-type and every x-amz-* header. <paramref name="body"/> must be the exact bytes sent.
    /// </summary>
    public static AWS4SigningResult Sign(
        HttpRequestMessage request,
        ReadOnlySpan<byte> body,
        ImmutableCredentials credentials,
        string region,
        string signingName,
        DateTimeOffset signedAt)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        Uri uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request URI must be absolute.", nameof(request));
        }

        DateTime utc = signedAt.UtcDateTime;
        request.Headers.Remove(DateHeader);
        request.Headers.TryAddWithoutValidation(DateHeader, utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.Remove(SecurityTokenHeader);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation(SecurityTokenHeader, credentials.Token);
        }

        request.Headers.Authorization = null;

        SortedDictionary<string, string> headers = SignedHeaders(request, uri);
        string signedHeaders = string.Join(';', headers.Keys);
        string canonicalRequest = CanonicalRequest(request.Method.Method, uri, headers, signedHeaders, body);
        AWS4SigningResult result = AWS4Signer.ComputeSignature(credentials, region, utc, signingName, signedHeaders, canonicalRequest);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
        return result;
    }

    private static SortedDictionary<string, string> SignedHeaders(HttpRequestMessage request, Uri uri)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = request.Headers.Host ?? (uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}"),
        };

        foreach (KeyValuePair<string, HeaderStringValues> header in request.Headers.NonValidated)
        {
            string name = header.Key.ToLowerInvariant();
            if (name.StartsWith("x-amz-", StringComparison.Ordinal))
            {
                headers[name] = CanonicalValue(header.Value);
            }
        }

        if (request.Content is not null)
        {
            foreach (KeyValuePair<string, HeaderStringValues> header in request.Content.Headers.NonValidated)
            {
                string name = header.Key.ToLowerInvariant();
                if (name == "content-type" || name.StartsWith("x-amz-", StringComparison.Ordinal))
                {
                    headers[name] = CanonicalValue(header.Value);
                }
            }
        }

        return headers;
    }

    private static string CanonicalRequest(string method, Uri uri, SortedDictionary<string, string> headers, string signedHeaders, ReadOnlySpan<byte> body)
    {
        var builder = new StringBuilder(256);
        builder.Append(method).Append('\n');
        builder.Append(CanonicalPath(uri.AbsolutePath)).Append('\n');
        builder.Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach (KeyValuePair<string, string> header in headers)
        {
            builder.Append(header.Key).Append(':').Append(header.Value).Append('\n');
        }

        builder.Append('\n').Append(signedHeaders).Append('\n');
        builder.Append(body.IsEmpty ? EmptyBodySha256 : Convert.ToHexStringLower(SHA256.HashData(body)));
        return builder.ToString();
    }

    /// <summary>
    /// Every service but S3 signs the path encoded twice: each segment of the (already escaped) path is escaped again,
    /// so "arn%3Aaws" in the URL becomes "arn%253Aaws" in the canonical request.
    /// </summary>
    private static string CanonicalPath(string escapedPath)
    {
        if (string.IsNullOrEmpty(escapedPath) || escapedPath == "/")
        {
            return "/";
        }

        string[] segments = escapedPath.Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            segments[i] = Uri.EscapeDataString(segments[i]);
        }

        return string.Join('/', segments);
    }

    private static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return "";
        }

        var pairs = new List<(string Key, string Value)>();
        foreach (string part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? part : part[..equals];
            string value = equals < 0 ? "" : part[(equals + 1)..];
            pairs.Add((Reencode(key), Reencode(value)));
        }

        pairs.Sort((a, b) =>
        {
            int byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => p.Key + "=" + p.Value));
    }

    // Query components arrive escaped in whatever way the caller chose; SigV4 wants strict RFC 3986 escaping.
    private static string Reencode(string component) => Uri.EscapeDataString(Uri.UnescapeDataString(component));

    private static string CanonicalValue(IEnumerable<string> values) =>
        string.Join(',', values.Select(v => string.Join(' ', v.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))));
}
