using MaxGroup.Core.Steps.Traffic;
using MaxGroup.Core.Tests.Polling;

namespace MaxGroup.Core.Tests.Traffic;

/// <summary>The drain's wait for the traffic step, read from the ledger, on timers that fire a millisecond early.</summary>
public sealed class LedgerTrafficGateTests
{
    private const string Id = "i-0123456789abcdef0";
    private readonly EarlyTimerClock _clock = new(TimeSpan.FromMilliseconds(1));
    private readonly InMemoryLedger _ledger = new();

    [Fact(Timeout = 10_000)]
    public async Task Gate_TrafficStepRunningPastTheCap_OpensAtTheCapAfterOneReadASecond()
    {
        await BeginAsync(StepStatus.Running);

        string why = await new LedgerTrafficGate(_ledger, _clock).WaitAsync(Id, _clock.GetUtcNow() + TimeSpan.FromSeconds(3), CancellationToken.None);

        Assert.Equal("traffic step still running after 3.0 s: evicting anyway", why);
        Assert.Equal(3, _clock.Timers);
    }

    [Fact(Timeout = 10_000)]
    public async Task Gate_TrafficStepDone_OpensAtOnce()
    {
        await BeginAsync(StepStatus.Done);

        string why = await new LedgerTrafficGate(_ledger, _clock).WaitAsync(Id, _clock.GetUtcNow() + TimeSpan.FromSeconds(3), CancellationToken.None);

        Assert.Equal("traffic step done after 0.0 s", why);
        Assert.Equal(0, _clock.Timers);
    }

    private Task BeginAsync(StepStatus traffic)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        var record = new InterruptionRecord
        {
            InstanceId = Id,
            EventIds = ["ev-1"],
            GroupName = "web",
            WarningTime = now,
            ReclaimAt = now + TimeSpan.FromSeconds(120),
            CreatedAt = now,
            Steps = [new StepRecord { Name = StepNames.Traffic, Status = traffic, StartedAt = now }, new StepRecord { Name = StepNames.Drain }],
        };
        return _ledger.TryBeginInterruptionAsync(record, new InFlightLimits(), now, CancellationToken.None);
    }
}
