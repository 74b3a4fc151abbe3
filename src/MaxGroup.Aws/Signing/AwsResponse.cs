namespace MaxGroup.Aws.Signing;

/// <summary>An answer of the signed client: status, body and headers (header names case-insensitive).</summary>
public sealed record AwsResponse(int StatusCode, byte[] Body, IReadOnlyDictionary<string, string> Headers);
