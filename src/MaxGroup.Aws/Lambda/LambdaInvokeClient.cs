using MaxGroup.Aws.Signing;

namespace MaxGroup.Aws.Lambda;

/// <summary>
/// Lambda Invoke (REST-JSON, API version 2015-03-31) through the signed client, asynchronous only:
/// `X-Amz-Invocation-Type: Event`, which Lambda answers with 202 once the event is queued.
/// </summary>
/// <param name="client">A signed client for <see cref="AwsService.Lambda"/>.</param>
public sealed class LambdaInvokeClient(AwsSignedHttpClient client)
{
    public const string InvocationTypeHeader = "X-Amz-Invocation-Type";

    private readonly AwsSignedHttpClient _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>
    /// Queues one asynchronous invocation of <paramref name="functionName"/> (a name, a name:qualifier, or a full
    /// function ARN) with <paramref name="payload"/> (JSON bytes) and returns the HTTP status (202 when accepted).
    /// </summary>
    public async Task<int> InvokeEventAsync(string functionName, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        var request = new AwsRequest
        {
            Method = HttpMethod.Post,
            Path = InvocationPath(functionName),
            ContentType = "application/json",
            Body = payload,
            Headers = [new(InvocationTypeHeader, "Event")],
            Operation = "Invoke",
        };
        AwsResponse response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>The request path; the name is one escaped segment, so an ARN's colons travel as %3A.</summary>
    public static string InvocationPath(string functionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(functionName);
        return "/2015-03-31/functions/" + Uri.EscapeDataString(functionName.Trim()) + "/invocations";
    }
}
