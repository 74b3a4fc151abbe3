using System.Text.RegularExpressions;
using MaxGroup.Aws.Lambda;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>The Invoke request as Lambda's API defines it, checked by a loopback server.</summary>
public sealed partial class LambdaInvokeLoopbackTests
{
    [Theory]
    [InlineData("maxgroup-replace", "/2015-03-31/functions/maxgroup-replace/invocations")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:maxgroup-drain", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amaxgroup-drain/invocations")]
    [InlineData("maxgroup-volume:live", "/2015-03-31/functions/maxgroup-volume%3Alive/invocations")]
    public async Task InvokeEvent_NameOrArn_SendsEscapedPathEventHeaderAndPayload(string function, string expectedTarget)
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(202, "", "application/json"));
        var client = new LambdaInvokeClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.Lambda));

        int status = await client.InvokeEventAsync(function, "{\"step\":\"drain\"}"u8.ToArray(), CancellationToken.None);

        Assert.Equal(202, status);
        RecordedRequest sent = Assert.Single(server.Requests);
        Assert.Equal(("POST", expectedTarget), (sent.Method, sent.RawTarget));
        Assert.Equal("Event", sent.Headers["X-Amz-Invocation-Type"]);
        Assert.Equal("application/json", sent.Headers["Content-Type"]);
        Assert.Equal("{\"step\":\"drain\"}", sent.BodyText);
        Match authorization = LambdaScope().Match(sent.Headers["Authorization"]);
        Assert.True(authorization.Success, sent.Headers["Authorization"]);
        Assert.Equal("content-type;host;x-amz-date;x-amz-invocation-type", authorization.Groups["signed"].Value);
    }

    [Fact]
    public async Task InvokeEvent_FunctionMissing_ThrowsResourceNotFound()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(404,
            "{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope\"}", "application/json",
            new Dictionary<string, string> { ["X-Amzn-ErrorType"] = "ResourceNotFoundException" }));
        var client = new LambdaInvokeClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.Lambda));

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => client.InvokeEventAsync("nope", "{}"u8.ToArray(), CancellationToken.None));

        Assert.Equal(("lambda", "ResourceNotFoundException", 404), (error.Service, error.ErrorCode, error.StatusCode));
        Assert.Contains("Function not found", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=testing/\d{8}/us-east-1/lambda/aws4_request, SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$")]
    private static partial Regex LambdaScope();
}
