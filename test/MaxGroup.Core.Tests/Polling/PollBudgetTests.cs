using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Tests.Polling;

/// <summary>The waits between polls: each at most the interval, none once the wait is spent, however early the timers fire.</summary>
public sealed class PollBudgetTests
{
    [Fact]
    public async Task PollBudget_TimersOnTime_WaitsTheIntervalThenWhatIsLeftThenStops()
    {
        var clock = new EarlyTimerClock(TimeSpan.Zero);
        var budget = new PollBudget(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2));

        int polls = 0;
        while (await budget.NextAsync(CancellationToken.None))
        {
            polls++;
        }

        Assert.Equal(3, polls);
        Assert.Equal(3, clock.Timers);
        Assert.Equal(TimeSpan.FromSeconds(5), budget.Elapsed);
    }

    [Fact]
    public async Task PollBudget_TimersAMillisecondEarly_StopsAfterTheSameWaitsNotInATightLoop()
    {
        var clock = new EarlyTimerClock(TimeSpan.FromMilliseconds(1));
        var budget = new PollBudget(clock, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2));

        int polls = 0;
        while (polls < 100 && await budget.NextAsync(CancellationToken.None))
        {
            polls++;
        }

        Assert.Equal(3, polls);
        Assert.Equal(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(3), budget.Elapsed);
    }

    [Fact]
    public async Task PollBudget_SlowPollsSpendTheWaitByTheClock_NoWaitBeyondIt()
    {
        var clock = new EarlyTimerClock(TimeSpan.Zero);
        var budget = new PollBudget(clock, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2));

        Assert.True(await budget.NextAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(1.5));

        Assert.False(await budget.NextAsync(CancellationToken.None));
        Assert.Equal(1, clock.Timers);
    }

    [Fact]
    public async Task PollBudget_NoWait_StopsAtOnce()
    {
        var clock = new EarlyTimerClock(TimeSpan.Zero);

        Assert.False(await new PollBudget(clock, TimeSpan.Zero, TimeSpan.FromSeconds(2)).NextAsync(CancellationToken.None));
        Assert.False(await new PollBudget(clock, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(2)).NextAsync(CancellationToken.None));
        Assert.Equal(0, clock.Timers);
    }
}
