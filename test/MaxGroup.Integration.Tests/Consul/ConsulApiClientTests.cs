using MaxGroup.Consul;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>The Consul client's error classification against the loopback fake.</summary>
public sealed class ConsulApiClientTests
{
    [Fact]
    public async Task Send_PeerSilentPastRequestTimeout_TimeoutCountsAsUnreachable()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.Hang = true;
        var client = new ConsulApiClient(ConsulTestData.Http, TimeProvider.System, TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAsync<RemoteApiException>(() => client.GetAgentServiceIdsAsync(
            new Uri($"http://{agent.Address}/"), null, DateTimeOffset.UtcNow.AddSeconds(60), CancellationToken.None));

        Assert.Equal("Timeout", ex.ErrorCode);
        Assert.True(ConsulApiClient.IsUnreachable(ex));
    }

    [Fact]
    public async Task Send_OwnDeadlineCutsRequestShort_DeadlineReachedNotUnreachable()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.Hang = true;
        var client = new ConsulApiClient(ConsulTestData.Http, TimeProvider.System, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<RemoteApiException>(() => client.GetAgentServiceIdsAsync(
            new Uri($"http://{agent.Address}/"), null, DateTimeOffset.UtcNow.AddMilliseconds(300), CancellationToken.None));

        Assert.Equal(ConsulApiClient.DeadlineReached, ex.ErrorCode);
        Assert.False(ConsulApiClient.IsUnreachable(ex));
    }

    [Fact]
    public async Task Send_ConnectionRefused_Unreachable()
    {
        var client = new ConsulApiClient(ConsulTestData.Http, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<RemoteApiException>(() => client.LeaveAsync(
            new Uri($"http://127.0.0.1:{FakeConsul.ClosedPort()}/"), null, DateTimeOffset.UtcNow.AddSeconds(60), CancellationToken.None));

        Assert.Equal("Unreachable", ex.ErrorCode);
        Assert.Equal(0, ex.StatusCode);
    }

    [Fact]
    public async Task DeregisterServiceAsync_UnknownId_FalseFrom404()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        var client = new ConsulApiClient(ConsulTestData.Http, TimeProvider.System);

        bool removed = await client.DeregisterServiceAsync(new Uri($"http://{agent.Address}/"), "ghost", null, DateTimeOffset.UtcNow.AddSeconds(60), CancellationToken.None);

        Assert.False(removed);
    }

    [Fact]
    public async Task DeregisterServiceAsync_IdWithSlashes_EscapedIntoOnePathSegment()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web/../../leave", "web");
        var client = new ConsulApiClient(ConsulTestData.Http, TimeProvider.System);

        bool removed = await client.DeregisterServiceAsync(new Uri($"http://{agent.Address}/"), "web/../../leave", null, DateTimeOffset.UtcNow.AddSeconds(60), CancellationToken.None);

        Assert.True(removed);
        Assert.Empty(agent.ServiceIds);
        Assert.DoesNotContain(agent.Requests, r => r.Path == "/v1/agent/leave");
    }
}
