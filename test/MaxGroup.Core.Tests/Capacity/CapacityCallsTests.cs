using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Tests.Capacity;

public sealed class CapacityCallsTests
{
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime);

    [Fact]
    public async Task Once_RetryableError_ReachesTheCaller()
    {
        int calls = 0;

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => CapacityCalls.Once.RunAsync<int>(
            _ =>
            {
                calls++;
                throw Throttled();
            },
            CancellationToken.None));

        Assert.Equal("Throttling", error.ErrorCode);
        Assert.Equal(1, calls);
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
        int calls = 0;
        CapacityCalls within = Within(ReclaimDeadline.FromWarning(Samples.WarningTime));

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => within.RunAsync(
            _ =>
            {
                calls++;
                throw new RemoteApiException("ec2", "InsufficientInstanceCapacity", "no capacity", 500);
            },
            CancellationToken.None));

        Assert.Equal("InsufficientInstanceCapacity", error.ErrorCode);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task WithinDeadline_BackoffPastTheDeadline_ErrorReachesTheCaller()
    {
        int calls = 0;
        // 300 ms left: the first 500 ms back-off does not fit.
        CapacityCalls within = Within(new ReclaimDeadline(Samples.WarningTime, _clock.GetUtcNow() + TimeSpan.FromMilliseconds(300)));

        await Assert.ThrowsAsync<RemoteApiException>(() => within.RunAsync(
            _ =>
            {
                calls++;
                throw Throttled();
            },
            CancellationToken.None));

        Assert.Equal(1, calls);
    }

    private CapacityCalls Within(ReclaimDeadline deadline) =>
        CapacityCalls.WithinDeadline(deadline, _clock, NullLogger.Instance, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));

    private static RemoteApiException Throttled() => new("autoscaling", "Throttling", "Rate exceeded", 400);

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
