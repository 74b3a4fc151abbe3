using System.Buffers;
using System.Text.Json;

namespace MaxGroup.Aws.Signing;

/// <summary>
/// Builds a call in AWS's JSON protocols (EventBridge speaks JSON 1.1, SQS JSON 1.0): a POST to "/" whose
/// `X-Amz-Target` header names the operation as <c>Prefix.Operation</c> and whose body is the request's JSON object.
/// </summary>
public static class JsonProtocolRequest
{
    public const string TargetHeader = "X-Amz-Target";
    public const string Json10 = "application/x-amz-json-1.0";
    public const string Json11 = "application/x-amz-json-1.1";

    /// <summary>The request for <paramref name="target"/> (e.g. AWSEvents.PutRule) with <paramref name="body"/> as its JSON.</summary>
    public static AwsRequest Create(string contentType, string target, ReadOnlyMemory<byte> body, bool idempotent = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        ArgumentException.ThrowIfNullOrEmpty(target);
        int dot = target.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == target.Length - 1)
        {
            throw new ArgumentException($"'{target}' is not a JSON-protocol target (Prefix.Operation)", nameof(target));
        }

        return new AwsRequest
        {
            Method = HttpMethod.Post,
            ContentType = contentType,
            Body = body,
            Headers = [new(TargetHeader, target)],
            Operation = target[(dot + 1)..],
            Idempotent = idempotent,
        };
    }

    /// <summary>The JSON object <paramref name="write"/> fills (it writes the members; the braces are written here).</summary>
    public static byte[] Body(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends the call and parses its answer (an empty answer as <c>{}</c>); the caller disposes the document.</summary>
    public static async Task<JsonDocument> SendJsonAsync(
        this AwsSignedHttpClient client, string contentType, string target, Action<Utf8JsonWriter> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        AwsResponse response = await client.SendAsync(Create(contentType, target, Body(body)), cancellationToken).ConfigureAwait(false);
        return response.Body.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(response.Body);
    }
}
