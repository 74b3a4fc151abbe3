using MaxGroup.Core.Preaction;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Preaction;

/// <summary>The executor's gate on a group's own preaction_snapshot_interval_minutes (the planning after it is tested on moto).</summary>
public sealed class PreactionIntervalTests
{
    // 01:00 UTC: the first 20 minutes of an hour-long slot.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero));
    private readonly FakeAutoScaling _autoScaling = new();
    private readonly FakeSpotAdvisor _advisor = new(AdvisorTestData.Data());

    public PreactionIntervalTests()
    {
        _autoScaling.AddGroup("web", 0, 4, []);
    }

    [Fact]
    public async Task RunGroup_IntervalZero_PlansNothingAndSaysWhy()
    {
        PreactionGroupResult result = await Executor().RunGroupAsync(Config(0), dryRun: false, CancellationToken.None);

        Assert.Equal("idle", result.Status);
        Assert.Equal("preaction_snapshot_interval_minutes is 0: no preaction schedule for this group", result.Reason);
        Assert.Equal(0, _advisor.Reads);
    }

    [Fact]
    public async Task RunGroup_HourlyIntervalOutsideItsSlot_WaitsAndInsideItPlans()
    {
        PreactionExecutor executor = Executor();
        _clock.Advance(TimeSpan.FromMinutes(20));

        PreactionGroupResult waiting = await executor.RunGroupAsync(Config(60), dryRun: false, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(40));
        PreactionGroupResult planned = await executor.RunGroupAsync(Config(60), dryRun: false, CancellationToken.None);

        Assert.Equal("preaction_snapshot_interval_minutes is 60: not due in this run", waiting.Reason);
        Assert.Equal(1, _advisor.Reads);
        Assert.Equal("idle", planned.Status);
        Assert.DoesNotContain("not due", planned.Reason ?? "", StringComparison.Ordinal);
    }

    private static GroupConfig Config(int interval) => new() { GroupName = "web", IsEnablePreaction = true, PreactionSnapshotIntervalMinutes = interval };

    private PreactionExecutor Executor() => new(
        _autoScaling, new NoInstances(), new FakeLauncher(new MaxGroup.Core.Tests.Dispatch.FakeInventory()), new InMemoryPreactionBatchStore(), _advisor, null, [], _clock,
        NullMetrics.Instance, NullLogger.Instance, new PreactionOptions { ScheduleInterval = TimeSpan.FromMinutes(20) });

    private sealed class NoInstances : IPreactionInstanceApi
    {
        public Task<IReadOnlyList<InstanceFacts>> DescribeInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<InstanceFacts>>([]);

        public Task MarkAsync(string instanceId, string batchId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
