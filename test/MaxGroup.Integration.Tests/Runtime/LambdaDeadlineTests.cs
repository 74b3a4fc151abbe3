namespace MaxGroup.Integration.Tests.Runtime;

public sealed class LambdaDeadlineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);

    [Fact]
    public void Resolve_EpochMilliseconds_IsAbsolute()
    {
        var time = new FakeTimeProvider(Now);
        long epoch = Now.AddSeconds(42).ToUnixTimeMilliseconds();

        DateTimeOffset deadline = LambdaDeadline.Resolve(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), time);

        Assert.Equal(Now.AddSeconds(42), deadline);
    }

    [Theory]
    [InlineData("5000", 5000)]
    [InlineData("900000", 900000)]
    [InlineData("1", 1)]
    public void Resolve_SmallNumberAsSentByEmulators_IsRelativeToNow(string header, int expectedMs)
    {
        var time = new FakeTimeProvider(Now);

        DateTimeOffset deadline = LambdaDeadline.Resolve(header, time);

        Assert.Equal(Now.AddMilliseconds(expectedMs), deadline);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("0")]
    public void Resolve_MissingOrUnreadable_AllowsLambdaMaximum(string? header)
    {
        var time = new FakeTimeProvider(Now);

        Assert.Equal(Now + LambdaDeadline.MaxFunctionTimeout, LambdaDeadline.Resolve(header, time));
    }

    [Theory]
    [InlineData(5000, 4500)]
    [InlineData(1000, 750)]
    [InlineData(0, 0)]
    [InlineData(-10, 0)]
    public void CancellationDelay_Remaining_FiresShortlyBeforeDeadline(int remainingMs, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), LambdaDeadline.CancellationDelay(TimeSpan.FromMilliseconds(remainingMs)));
    }

    [Fact]
    public async Task RunAsync_HandlerStillRunningNearDeadline_IsCancelledAndReportsDeadline()
    {
        var time = new FakeTimeProvider(Now);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler("slow", async (_, _, token) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return "{}";
        });
        var context = new LambdaContext(new RuntimeInvocation("req-1", "{}"), new LambdaFunctionInfo("f", "$LATEST", 128, "", ""), LambdaDeadline.Resolve("5000", time), true, time);

        Task<InvocationResult> run = FunctionInvocation.RunAsync(handler.Name, handler.HandleAsync, "{}", context, time, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromMilliseconds(4499));
        await Task.Delay(50);
        Assert.False(run.IsCompleted, "token fired more than 500 ms before the deadline");
        time.Advance(TimeSpan.FromMilliseconds(2));
        InvocationResult result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(result.Succeeded);
        Assert.Equal(FunctionInvocation.DeadlineErrorType, result.Error.ErrorType);
    }

    [Fact]
    public void RemainingTime_ClockAdvances_Shrinks()
    {
        var time = new FakeTimeProvider(Now);
        var context = new LambdaContext(new RuntimeInvocation("req-1", "{}"), new LambdaFunctionInfo("f", "$LATEST", 128, "", ""), Now.AddSeconds(10), false, time);

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(7), context.RemainingTime);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.Zero, context.RemainingTime);
    }
}
