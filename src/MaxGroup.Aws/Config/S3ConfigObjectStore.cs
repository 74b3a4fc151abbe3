using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using MaxGroup.Core.Config;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Config;

/// <summary>
/// Reads group config objects from one S3 bucket with GetObject; a held ETag goes in If-None-Match so an unchanged
/// object costs a 304 and no body. Needs s3:GetObject on the bucket's objects (and s3:ListBucket for a 404 rather than
/// a 403 on a missing object).
/// </summary>
public sealed class S3ConfigObjectStore : IConfigObjectStore
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;

    public S3ConfigObjectStore(IAmazonS3 s3, string bucket)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _s3 = s3;
        _bucket = bucket;
    }

    public async Task<ConfigObjectResult> GetAsync(string key, string? ifNoneMatchETag, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = key };
        if (ifNoneMatchETag is not null)
        {
            request.EtagToNotMatch = ifNoneMatchETag;
        }

        try
        {
            using GetObjectResponse response = await _s3.GetObjectAsync(request, cancellationToken);
            if (response.HttpStatusCode == HttpStatusCode.NotModified)
            {
                return ConfigObjectResult.NotModified(ifNoneMatchETag);
            }

            byte[] content = await ReadLimitedAsync(response.ResponseStream, ConfigLimits.MaxObjectBytes + 1, cancellationToken);
            return ConfigObjectResult.Found(content, response.ETag);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotModified)
        {
            return ConfigObjectResult.NotModified(ifNoneMatchETag);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or "NotFound" or null or "")
        {
            return ConfigObjectResult.NotFound;
        }
        catch (AmazonS3Exception ex)
        {
            throw new RemoteApiException("s3", string.IsNullOrEmpty(ex.ErrorCode) ? ex.StatusCode.ToString() : ex.ErrorCode, ex.Message, (int)ex.StatusCode, ex);
        }
        catch (Amazon.Runtime.AmazonServiceException ex)
        {
            throw new RemoteApiException("s3", string.IsNullOrEmpty(ex.ErrorCode) ? "ServiceError" : ex.ErrorCode, ex.Message, (int)ex.StatusCode, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RemoteApiException("s3", "NetworkError", ex.Message, 0, ex);
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes, so a huge object never fills the function's memory.</summary>
    private static async Task<byte[]> ReadLimitedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[Math.Min(limit, 64 * 1024)];
        using var content = new MemoryStream();
        while (content.Length < limit)
        {
            int wanted = (int)Math.Min(buffer.Length, limit - content.Length);
            int read = await stream.ReadAsync(buffer.AsMemory(0, wanted), cancellationToken);
            if (read == 0)
            {
                break;
            }

            content.Write(buffer, 0, read);
        }

        return content.ToArray();
    }
}
