using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Ports;

/// <summary>An in-memory bucket with S3's conditional GET semantics (ETag = MD5 of the content, 304 on a match).</summary>
public sealed class InMemoryConfigObjectStore : IConfigObjectStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public List<(string Key, string? IfNoneMatch)> Requests { get; } = [];

    /// <summary>When set, every read throws it (an S3 outage).</summary>
    public Exception? Failure { get; set; }

    public void Put(string key, string json) => _objects[key] = Encoding.UTF8.GetBytes(json);

    public void Delete(string key) => _objects.TryRemove(key, out _);

    public static string ETagOf(byte[] content) => "\"" + Convert.ToHexStringLower(MD5.HashData(content)) + "\"";

    public Task<ConfigObjectResult> GetAsync(string key, string? ifNoneMatchETag, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add((key, ifNoneMatchETag));
        }

        if (Failure is not null)
        {
            throw Failure;
        }

        if (!_objects.TryGetValue(key, out byte[]? content))
        {
            return Task.FromResult(ConfigObjectResult.NotFound);
        }

        string etag = ETagOf(content);
        return Task.FromResult(etag == ifNoneMatchETag ? ConfigObjectResult.NotModified(etag) : ConfigObjectResult.Found(content, etag));
    }
}
