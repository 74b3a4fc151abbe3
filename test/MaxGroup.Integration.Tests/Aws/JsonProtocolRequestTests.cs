using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>
/// The JSON-protocol call shared by EventBridge (JSON 1.1) and SQS (JSON 1.0) callers, against a loopback server that
/// records what arrives: POST /, the protocol's content type, X-Amz-Target naming the operation, the body as written,
/// signed (the target header is an x-amz-* header, so it is in the signature).
/// </summary>
public sealed class JsonProtocolRequestTests
{
    [Fact]
    public async Task SendJsonAsync_PostsSignedTargetAndBody_ParsesAnswer()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(200, """{"QueueUrl":"http://q/1"}""", JsonProtocolRequest.Json10));
        AwsSignedHttpClient client = AwsTestClients.SignedClient(server.Endpoint, AwsService.Sqs);

        using JsonDocument answer = await client.SendJsonAsync(JsonProtocolRequest.Json10, "AmazonSQS.CreateQueue", w => w.WriteString("QueueName", "q"), CancellationToken.None);

        Assert.Equal("http://q/1", answer.RootElement.GetProperty("QueueUrl").GetString());
        RecordedRequest sent = Assert.Single(server.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/", sent.Path);
        Assert.Equal(JsonProtocolRequest.Json10, sent.Headers["Content-Type"]);
        Assert.Equal("AmazonSQS.CreateQueue", sent.Headers["X-Amz-Target"]);
        Assert.Equal("""{"QueueName":"q"}""", sent.BodyText);
        Assert.Contains("x-amz-target", sent.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Contains("/sqs/aws4_request", sent.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendJsonAsync_EmptyAnswer_IsAnEmptyObject()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(200, "", JsonProtocolRequest.Json11));
        AwsSignedHttpClient client = AwsTestClients.SignedClient(server.Endpoint, AwsService.EventBridge);

        using JsonDocument answer = await client.SendJsonAsync(JsonProtocolRequest.Json11, "AWSEvents.PutRule", w => w.WriteString("Name", "r"), CancellationToken.None);

        Assert.Equal(JsonValueKind.Object, answer.RootElement.ValueKind);
        Assert.Empty(answer.RootElement.EnumerateObject());
    }

    [Theory]
    [InlineData("PutRule")]
    [InlineData(".PutRule")]
    [InlineData("AWSEvents.")]
    public void Create_TargetWithoutPrefixAndOperation_IsRefused(string target)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => JsonProtocolRequest.Create(JsonProtocolRequest.Json11, target, ReadOnlyMemory<byte>.Empty));

        Assert.Contains(target, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NamesTheOperation_AndKeepsIdempotence()
    {
        AwsRequest request = JsonProtocolRequest.Create(JsonProtocolRequest.Json11, "AWSEvents.PutEvents", JsonProtocolRequest.Body(w => w.WriteNumber("n", 1)), idempotent: false);

        Assert.Equal("PutEvents", request.Operation);
        Assert.False(request.Idempotent);
        Assert.Equal("""{"n":1}""", System.Text.Encoding.UTF8.GetString(request.Body.Span));
    }
}
