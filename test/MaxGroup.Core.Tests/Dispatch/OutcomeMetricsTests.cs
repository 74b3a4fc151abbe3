using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>The outcome metrics the runner records when a step's outcome is written: bounded dimensions only.</summary>
public sealed class OutcomeMetricsTests
{
    private const string Id = "i-0123456789abcdef0";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(30));
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingMetrics _metrics = new();

    [Fact]
    public async Task Run_ReplaceDoneWithSuccessor_CountsOutcomeLeadTimeAndHandoverDuration()
    {
        await BeginAsync(["replace"]);
        var done = StepOutcome.Done("attached", new Dictionary<string, string> { [OutcomeMetrics.SuccessorDetail] = "i-0000000000000000b" });

        await Runner().RunAsync(new FixedStep("replace", done), Request("replace"), CancellationToken.None);

        MetricRecord outcome = Assert.Single(_metrics.Records, r => r.Name == OutcomeMetrics.StepOutcomes);
        Assert.Equal(new Dictionary<string, string> { ["Step"] = "replace", ["Status"] = "done" }, outcome.Dimensions);
        Assert.Equal(90, Assert.Single(_metrics.Records, r => r.Name == OutcomeMetrics.SuccessorLeadTime).Value);
        MetricRecord duration = Assert.Single(_metrics.Records, r => r.Name == OutcomeMetrics.HandoverDuration);
        Assert.Equal(30, duration.Value);
        Assert.Equal(new Dictionary<string, string> { ["Trigger"] = "warning" }, duration.Dimensions);
    }

    [Fact]
    public async Task Run_ReplaceDoneAfterReclaim_LeadTimeIsNegative()
    {
        await BeginAsync(["replace"]);
        _clock.Advance(TimeSpan.FromSeconds(100));
        var done = StepOutcome.Done("late", new Dictionary<string, string> { [OutcomeMetrics.SuccessorDetail] = "i-0000000000000000b" });

        await Runner().RunAsync(new FixedStep("replace", done, endsAtReclaim: false), Request("replace"), CancellationToken.None);

        Assert.Equal(-10, Assert.Single(_metrics.Records, r => r.Name == OutcomeMetrics.SuccessorLeadTime).Value);
    }

    [Fact]
    public async Task Run_FailedStepOfTwo_CountsFailedAndNoHandoverUntilTheLastEnds()
    {
        await BeginAsync(["replace", "volume"]);

        await Runner().RunAsync(new FixedStep("replace", StepOutcome.Failed("no capacity")), Request("replace"), CancellationToken.None);
        Assert.Equal(0, _metrics.Count(OutcomeMetrics.HandoverDuration));
        await Runner().RunAsync(new FixedStep("volume", StepOutcome.Done("attached")), Request("volume"), CancellationToken.None);

        Assert.Equal(
            [("replace", "failed"), ("volume", "done")],
            _metrics.Records.Where(r => r.Name == OutcomeMetrics.StepOutcomes).Select(r => (r.Dimensions!["Step"], r.Dimensions["Status"])));
        Assert.Equal(0, _metrics.Count(OutcomeMetrics.SuccessorLeadTime));
        Assert.Equal(30, Assert.Single(_metrics.Records, r => r.Name == OutcomeMetrics.VolumeMoveTime).Value);
        Assert.Equal(1, _metrics.Count(OutcomeMetrics.HandoverDuration));
    }

    [Fact]
    public async Task Run_DryRun_CountsTheOutcomeButNoTimes()
    {
        await BeginAsync(["volume"]);

        await Runner().RunAsync(new FixedStep("volume", StepOutcome.Done("would attach")), Request("volume") with { DryRun = true }, CancellationToken.None);

        Assert.Equal(1, _metrics.Count(OutcomeMetrics.StepOutcomes));
        Assert.Equal(0, _metrics.Count(OutcomeMetrics.VolumeMoveTime));
    }

    [Fact]
    public void TriggerOf_UnknownOrMissingTimeline_IsOther()
    {
        InterruptionRecord bare = Samples.ReplaceInterruption(Id);
        InterruptionRecord odd = bare with { Timeline = [new TimelineEntry(Samples.WarningTime, "interruption", "i-123 something")] };

        Assert.Equal("other", LedgerSummary.TriggerOf(bare));
        Assert.Equal("other", LedgerSummary.TriggerOf(odd));
        Assert.Equal("warning", LedgerSummary.TriggerOf(Samples.ReplaceInterruption(Id, withTimeline: true)));
    }

    private RemediationRunner Runner() => new(_ledger, _clock, _metrics, NullLogger.Instance);

    private async Task BeginAsync(IReadOnlyList<string> steps)
    {
        InterruptionRecord record = Samples.ReplaceInterruption(Id, withTimeline: true) with { Steps = steps.Select(s => new StepRecord { Name = s }).ToList() };
        await _ledger.TryBeginInterruptionAsync(record, new InFlightLimits(), _clock.GetUtcNow(), null, CancellationToken.None);
    }

    private static RemediationRequest Request(string step) => new()
    {
        Step = step,
        EventId = "ev-1",
        WarningTime = Samples.WarningTime,
        ReclaimAt = Samples.WarningTime.AddSeconds(120),
        Instance = Samples.Instance(Id),
        Config = new GroupConfig { GroupName = "web" },
    };

    /// <summary>A step that answers one outcome.</summary>
    private sealed class FixedStep(string name, StepOutcome outcome, bool endsAtReclaim = true) : IRemediationStep
    {
        public string Name { get; } = name;

        public bool EndsAtReclaim(RemediationRequest request) => endsAtReclaim;

        public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken) => Task.FromResult(outcome);
    }
}
