namespace MaxGroup.Aws.Signing;

/// <summary>One call through <see cref="AwsSignedHttpClient"/>: method, escaped path and query, body, extra headers.</summary>
public sealed record AwsRequest
{
    public required HttpMethod Method { get; init; }

    /// <summary>Path below the endpoint, already escaped, starting with '/'.</summary>
    public string Path { get; init; } = "/";

    /// <summary>Query parameters (unescaped; the client escapes them).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; init; } = [];

    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Content-Type of <see cref="Body"/>; null sends no content.</summary>
    public string? ContentType { get; init; }

    /// <summary>Additional headers; x-amz-* ones are signed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The API operation, for error messages and logs (e.g. DescribeAutoScalingGroups).</summary>
    public string Operation { get; init; } = "";

    /// <summary>
    /// The caller's deadline: no retry wait is started that would end after it. Null uses <see cref="AwsCallDeadline.Current"/>.
    /// </summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>
    /// False for calls that a repeat would apply again (AttachInstances adds the instance and its capacity once more):
    /// after an ambiguous failure (the connection dropped once the request may have reached AWS, or no answer came in
    /// time) the client does not send it again but throws, so the caller can look at the state before it repeats.
    /// </summary>
    public bool Idempotent { get; init; } = true;
}
