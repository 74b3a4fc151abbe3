using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Lambda;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>Retries of the signed client against a loopback server that scripts failures.</summary>
public sealed class AwsSignedHttpClientRetryTests
{
    private const string HooksXml =
        "<DescribeLifecycleHooksResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><DescribeLifecycleHooksResult><LifecycleHooks>" +
        "<member><LifecycleHookName>h</LifecycleHookName><AutoScalingGroupName>web</AutoScalingGroupName>" +
        "<LifecycleTransition>autoscaling:EC2_INSTANCE_TERMINATING</LifecycleTransition><HeartbeatTimeout>60</HeartbeatTimeout>" +
        "<DefaultResult>CONTINUE</DefaultResult></member></LifecycleHooks></DescribeLifecycleHooksResult></DescribeLifecycleHooksResponse>";

    private static readonly LoopbackAnswer ThrottlingXml = new(400,
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>");

    private static readonly LoopbackAnswer Unavailable = new(503, "", "text/plain");

    private static readonly LoopbackAnswer HtmlError = new(500, "<!doctype html><html><title>500 Internal Server Error</title></html>", "text/html");

    [Fact]
    public async Task SendAsync_ThrottlingThen503ThenHtml500_RetriesUntilSuccess()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, n) => n switch
        {
            1 => ThrottlingXml,
            2 => Unavailable,
            3 => HtmlError,
            _ => new LoopbackAnswer(200, HooksXml),
        });
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, AwsTestClients.FastRetry(maxAttempts: 4)));

        IReadOnlyList<LifecycleHookInfo> hooks = await client.DescribeLifecycleHooksAsync("web", CancellationToken.None);

        Assert.Equal("h", Assert.Single(hooks).HookName);
        Assert.Equal(4, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.StartsWith("AWS4-HMAC-SHA256 ", r.Headers["Authorization"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_JsonThrottlingThenAccepted_RetriesRestCall()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, n) => n == 1
            ? new LoopbackAnswer(429, "{\"Type\":\"User\",\"message\":\"Rate exceeded\"}", "application/json",
                new Dictionary<string, string> { ["X-Amzn-ErrorType"] = "TooManyRequestsException" })
            : new LoopbackAnswer(202, "", "application/json"));
        var lambda = new LambdaInvokeClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.Lambda));

        int status = await lambda.InvokeEventAsync("maxgroup-replace", "{}"u8.ToArray(), CancellationToken.None);

        Assert.Equal(202, status);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_AlwaysUnavailable_GivesUpAfterMaxAttempts()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => Unavailable);
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, AwsTestClients.FastRetry(maxAttempts: 3)));

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => client.DescribeLifecycleHooksAsync("web", CancellationToken.None));

        Assert.Equal(("Http503", 503), (error.ErrorCode, error.StatusCode));
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ClientError_NotRetried()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(400,
            "<ErrorResponse><Error><Code>ScalingActivityInProgress</Code><Message>busy</Message></Error></ErrorResponse>"));
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling));

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => client.SetDesiredCapacityAsync("web", 2, false, CancellationToken.None));

        Assert.True(error.IsScalingActivityInProgress());
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task SendAsync_WaitWouldEndAfterRequestDeadline_ThrowsLastErrorWithoutWaiting()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => ThrottlingXml);
        AwsSignedHttpClient client = AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, SlowRetry());
        AwsRequest request = HooksRequest(deadline: DateTimeOffset.UtcNow.AddSeconds(2));
        var watch = Stopwatch.StartNew();

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => client.SendAsync(request, CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Equal("Throttling", error.ErrorCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task SendAsync_AmbientDeadlineThroughPort_ThrowsWithoutWaitingPastIt()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => Unavailable);
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, SlowRetry()));
        var watch = Stopwatch.StartNew();

        RemoteApiException error;
        using (AwsCallDeadline.Use(DateTimeOffset.UtcNow.AddSeconds(2)))
        {
            error = await Assert.ThrowsAsync<RemoteApiException>(() => client.DescribeLifecycleHooksAsync("web", CancellationToken.None));
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Equal("Http503", error.ErrorCode);
        Assert.Single(server.Requests);
        Assert.Null(AwsCallDeadline.Current);
    }

    [Fact]
    public async Task SendAsync_TokenCancelledDuringWait_StopsAtOnce()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => Unavailable);
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, SlowRetry()));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.DescribeLifecycleHooksAsync("web", cancellation.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task SendAsync_NothingListening_RetriesThenReportsConnectionError()
    {
        var client = new AutoScalingClient(AwsTestClients.SignedClient(new Uri($"http://127.0.0.1:{ClosedPort()}/"), AwsService.AutoScaling, AwsTestClients.FastRetry(maxAttempts: 2)));

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => client.DescribeLifecycleHooksAsync("web", CancellationToken.None));

        Assert.Equal(("ConnectionError", 0), (error.ErrorCode, error.StatusCode));
        Assert.True(error.IsRetryable);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task SendAsync_NonIdempotentCallUnansweredInTime_NotSentAgain()
    {
        // The first attempt reaches the server, which answers only after the attempt timed out: the answer is lost.
        await using LoopbackAwsServer server = await FirstAnswerLateAsync();
        AwsSignedHttpClient client = AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, ShortAttempts());
        AwsRequest request = HooksRequest() with { Idempotent = false };

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => client.SendAsync(request, CancellationToken.None));

        Assert.Equal(AwsSignedHttpClient.AmbiguousOutcome, error.ErrorCode);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task SendAsync_IdempotentCallUnansweredInTime_SentAgain()
    {
        await using LoopbackAwsServer server = await FirstAnswerLateAsync();
        AwsSignedHttpClient client = AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, ShortAttempts());
        AwsRequest request = HooksRequest();

        AwsResponse response = await client.SendAsync(request, CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_NonIdempotentCallGotAnError_RetriedLikeAnyOther()
    {
        // An error answer says the call did not take effect: only a lost answer makes a repeat unsafe.
        (int status, int requests) = await SendAfterOneErrorAsync(ThrottlingXml, HooksRequest() with { Idempotent = false });

        Assert.Equal(200, status);
        Assert.Equal(2, requests);
    }

    [Fact]
    public async Task SendAsync_WaitEndsBeforeDeadline_RetriesInsideIt()
    {
        (int status, int requests) = await SendAfterOneErrorAsync(Unavailable, HooksRequest(deadline: DateTimeOffset.UtcNow.AddSeconds(30)));

        Assert.Equal(200, status);
        Assert.Equal(2, requests);
    }

    [Theory]
    [InlineData(1, 1.0, 100)]
    [InlineData(2, 1.0, 200)]
    [InlineData(3, 0.5, 200)]
    [InlineData(10, 1.0, 5000)]
    [InlineData(4, 0.0, 0)]
    public void BackoffFor_Retry_IsFullJitterUnderCappedExponential(int retry, double random, int expectedMilliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), AwsRetryOptions.Default.BackoffFor(retry, random));
    }

    // Every wait is 5 s (10 s ceiling, jitter 0.5): longer than any deadline these tests set.
    private static AwsRetryOptions SlowRetry() => new()
    {
        MaxAttempts = 5,
        BaseDelay = TimeSpan.FromSeconds(10),
        MaxDelay = TimeSpan.FromSeconds(10),
    };

    // One attempt may last 200 ms: a server that takes a second has, for the client, not answered.
    private static AwsRetryOptions ShortAttempts() => AwsTestClients.FastRetry() with { AttemptTimeout = TimeSpan.FromMilliseconds(200) };

    // The server answers the first attempt only after a second, longer than ShortAttempts lets it take; later ones at once.
    private static Task<LoopbackAwsServer> FirstAnswerLateAsync() => LoopbackAwsServer.StartAsync((_, n) =>
    {
        if (n == 1)
        {
            Thread.Sleep(TimeSpan.FromSeconds(1));
        }

        return new LoopbackAnswer(200, HooksXml);
    });

    /// <summary>Sends <paramref name="request"/> to a server that answers <paramref name="first"/> once, then 200; answers the final status and how many requests the server saw.</summary>
    private static async Task<(int Status, int Requests)> SendAfterOneErrorAsync(LoopbackAnswer first, AwsRequest request)
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, n) => n == 1 ? first : new LoopbackAnswer(200, HooksXml));
        AwsSignedHttpClient client = AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling);

        AwsResponse response = await client.SendAsync(request, CancellationToken.None);
        return (response.StatusCode, server.Requests.Count);
    }

    private static AwsRequest HooksRequest(DateTimeOffset? deadline = null) =>
        AutoScalingClient.NewQuery("DescribeLifecycleHooks").Add("AutoScalingGroupName", "web").ToRequest(deadline: deadline);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
