using System.Net;
using MaxGroup.Kubernetes.Budget;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>The Kubernetes client's retry of transient answers: Retry-After honoured and capped, the caller's deadline obeyed.</summary>
public sealed class TransientRetryHandlerTests
{
    private const string NodesUri = "https://k8s.test/api/v1/nodes";

    [Fact]
    public async Task Send_TooManyRequestsWithRetryAfter_RetriesOnlyOnceItHasPassed()
    {
        (int callsJustBefore, HttpStatusCode status, int calls) =
            await RetryAroundTheWaitAsync(Answer(HttpStatusCode.TooManyRequests, retryAfterSeconds: 1), TimeSpan.FromSeconds(1));

        Assert.Equal(1, callsJustBefore);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Send_RetryAfterLongerThanTheCap_WaitsOnlyTheCap()
    {
        (int callsJustBefore, HttpStatusCode status, _) =
            await RetryAroundTheWaitAsync(Answer(HttpStatusCode.ServiceUnavailable, retryAfterSeconds: 60), TransientRetryHandler.MaxDelay);

        Assert.Equal(1, callsJustBefore);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(TimeSpan.FromSeconds(2), TransientRetryHandler.Backoff(1, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Send_DeadlinePassesDuringTheWait_StopsWithoutAnotherAttempt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var peer = new ScriptedPeer(Answer(HttpStatusCode.ServiceUnavailable, retryAfterSeconds: 2), Answer(HttpStatusCode.OK));
        using var client = new HttpMessageInvoker(new TransientRetryHandler(clock) { InnerHandler = peer });
        using var deadline = new CancellationTokenSource();

        Task<HttpResponseMessage> send = client.SendAsync(new HttpRequestMessage(HttpMethod.Get, NodesUri), deadline.Token);
        await Task.Delay(50);
        await deadline.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, peer.Calls);
    }

    [Fact]
    public async Task Send_EvictionBlockedByDisruptionBudget_ReturnedAtOnce()
    {
        var peer = new ScriptedPeer(Answer(HttpStatusCode.TooManyRequests, retryAfterSeconds: 1));
        using var client = new HttpMessageInvoker(new TransientRetryHandler(new FakeTimeProvider()) { InnerHandler = peer });

        using HttpResponseMessage response = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "https://k8s.test/api/v1/namespaces/app/pods/web-1/eviction"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(1, peer.Calls);
    }

    [Fact]
    public async Task Send_AlwaysTransient_GivesTheLastAnswerAfterMaxAttempts()
    {
        var peer = new ScriptedPeer(Answer(HttpStatusCode.BadGateway), Answer(HttpStatusCode.BadGateway), Answer(HttpStatusCode.GatewayTimeout));
        using var client = new HttpMessageInvoker(new TransientRetryHandler(TimeProvider.System, maxAttempts: 3) { InnerHandler = peer });

        using HttpResponseMessage response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, NodesUri), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(3, peer.Calls);
    }

    /// <summary>
    /// Sends one GET through the handler on a fake clock to a peer that answers <paramref name="first"/>, then 200; moves
    /// the clock to 1 ms short of <paramref name="wait"/> and counts the calls so far, then 2 ms on and awaits the answer.
    /// </summary>
    private static async Task<(int CallsJustBefore, HttpStatusCode Status, int Calls)> RetryAroundTheWaitAsync(HttpResponseMessage first, TimeSpan wait)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var peer = new ScriptedPeer(first, Answer(HttpStatusCode.OK));
        using var client = new HttpMessageInvoker(new TransientRetryHandler(clock) { InnerHandler = peer });

        Task<HttpResponseMessage> send = client.SendAsync(new HttpRequestMessage(HttpMethod.Get, NodesUri), CancellationToken.None);
        await Task.Delay(50);
        clock.Advance(wait - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        int callsJustBefore = peer.Calls;
        clock.Advance(TimeSpan.FromMilliseconds(2));
        using HttpResponseMessage response = await send.WaitAsync(TimeSpan.FromSeconds(5));
        return (callsJustBefore, response.StatusCode, peer.Calls);
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage(status);
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        return response;
    }

    /// <summary>The API server's side: answers in order, the last one again when the script runs out.</summary>
    private sealed class ScriptedPeer(params HttpResponseMessage[] answers) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            int call = Interlocked.Increment(ref _calls);
            HttpResponseMessage answer = answers[Math.Min(call, answers.Length) - 1];
            answer.RequestMessage = request;
            return Task.FromResult(answer);
        }
    }
}
