namespace MaxGroup.Core.Ports;

/// <summary>
/// Reads config objects from one bucket (S3 in Lambda). A conditional read with the last ETag answers
/// <see cref="ConfigObjectStatus.NotModified"/> cheaply. Failures other than "no such object" throw
/// (<see cref="Ports.RemoteApiException"/> from the adapter).
/// </summary>
public interface IConfigObjectStore
{
    /// <param name="key">Object key inside the store's bucket.</param>
    /// <param name="ifNoneMatchETag">The ETag held; null for an unconditional read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The object (at most <c>ConfigLimits.MaxObjectBytes</c> + 1 bytes are read), NotModified or NotFound.</returns>
    Task<ConfigObjectResult> GetAsync(string key, string? ifNoneMatchETag, CancellationToken cancellationToken);
}

/// <summary>The answer of <see cref="IConfigObjectStore.GetAsync"/>.</summary>
public sealed record ConfigObjectResult(ConfigObjectStatus Status, ReadOnlyMemory<byte> Content, string? ETag)
{
    public static readonly ConfigObjectResult NotFound = new(ConfigObjectStatus.NotFound, ReadOnlyMemory<byte>.Empty, null);

    public static ConfigObjectResult Found(ReadOnlyMemory<byte> content, string? etag) => new(ConfigObjectStatus.Found, content, etag);

    public static ConfigObjectResult NotModified(string? etag) => new(ConfigObjectStatus.NotModified, ReadOnlyMemory<byte>.Empty, etag);
}

/// <summary>Outcome of a conditional read.</summary>
public enum ConfigObjectStatus
{
    Found,
    NotModified,
    NotFound,
}
