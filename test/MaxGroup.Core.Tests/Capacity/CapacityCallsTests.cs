using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Tests.Capacity;

public sealed class CapacityCallsTests
{
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime);

    [Fact]
    public async Task Once_RetryableError_ReachesTheCaller()
    {
        var call = new FailingCall(Throttled());

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => CapacityCalls.Once.RunAsync<int>(call.AnswerAsync, CancellationToken.None));

        Assert.Equal("Throttling", error.ErrorCode);
        Assert.Equal(1, call.Calls);
    }

    [Fact]
    public async Task WithinDeadline_RetryableError_RetriedUntilItGoesThrough()
    {
        int calls = 0;
        CapacityCalls within = Within(ReclaimDeadline.FromWarning(Samples.WarningTime));

        int answer = await DriveAsync(within.RunAsync(
            _ => ++calls < 3 ? throw Throttled() : Task.FromResult(42),
            CancellationToken.None));

        Assert.Equal(42, answer);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task WithinDeadline_CapacityError_NotRetried()
    {
        var call = new FailingCall(new RemoteApiException("ec2", "InsufficientInstanceCapacity", "no capacity", 500));
        CapacityCalls within = Within(ReclaimDeadline.FromWarning(Samples.WarningTime));

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => within.RunAsync(call.RunAsync, CancellationToken.None));

        Assert.Equal("InsufficientInstanceCapacity", error.ErrorCode);
        Assert.Equal(1, call.Calls);
    }

    [Fact]
    public async Task WithinDeadline_BackoffPastTheDeadline_ErrorReachesTheCaller()
    {
        var call = new FailingCall(Throttled());
        // 300 ms left: the first 500 ms back-off does not fit.
        CapacityCalls within = Within(new ReclaimDeadline(Samples.WarningTime, _clock.GetUtcNow() + TimeSpan.FromMilliseconds(300)));

        await Assert.ThrowsAsync<RemoteApiException>(() => within.RunAsync(call.RunAsync, CancellationToken.None));

        Assert.Equal(1, call.Calls);
    }

    private CapacityCalls Within(ReclaimDeadline deadline) =>
        CapacityCalls.WithinDeadline(deadline, _clock, NullLogger.Instance, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));

    private static RemoteApiException Throttled() => new("autoscaling", "Throttling", "Rate exceeded", 400);

    /// <summary>A call that fails every time with one error (thrown as the call is made), counting how often it was made.</summary>
    private sealed class FailingCall(RemoteApiException error)
    {
        public int Calls { get; private set; }

        /// <summary>The call as one that would answer a value.</summary>
        public Task<int> AnswerAsync(CancellationToken _)
        {
            Calls++;
            throw error;
        }

        /// <summary>The call as one that answers nothing.</summary>
        public Task RunAsync(CancellationToken _)
        {
            Calls++;
            throw error;
        }
    }

    private async Task<T> DriveAsync<T>(Task<T> run)
    {
        while (!run.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(1);
        }

        return await run;
    }
}
