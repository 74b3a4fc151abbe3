using System.Text.Json;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>The hand-over events from the runner: told at the end and on a missed deadline, best effort, never changing the outcome.</summary>
public sealed class HandoverNotifierTests
{
    private const string Id = "i-0123456789abcdef0";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(5));
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly RecordingHandoverEvents _events = new();

    [Fact]
    public async Task Run_LastStepDone_PublishesCompletedWithTheSummary()
    {
        await BeginAsync();

        await Runner().RunAsync(new CountingStep("replace", _clock), Request(), CancellationToken.None);

        (string type, HandoverSummary detail) = Assert.Single(_events.Published);
        Assert.Equal(HandoverEventTypes.Completed, type);
        Assert.Equal("done", detail.Status);
        Assert.Equal("warning", detail.Trigger);
        StepSummary step = Assert.Single(detail.Steps);
        Assert.Equal(("replace", "done", "ran"), (step.Name, step.Status, step.Reason));
        Assert.Equal(1, _metrics.Count(HandoverNotifier.PublishedMetric));
    }

    [Fact]
    public async Task Run_StepThrows_PublishesFailed()
    {
        await BeginAsync();

        StepOutcome outcome = await Runner().RunAsync(new ThrowingStep(), Request(), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Equal([HandoverEventTypes.Failed], _events.DetailTypes);
        Assert.Equal("failed", Assert.Single(_events.Published).Detail.Steps[0].Status);
    }

    [Fact]
    public async Task Run_PublisherThrows_SameOutcomeAndLedgerAndTheFailureIsCounted()
    {
        await BeginAsync();
        _events.Failure = new RemoteApiException("events", "AccessDeniedException", "not allowed", 400);

        StepOutcome outcome = await Runner().RunAsync(new CountingStep("replace", _clock), Request(), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Equal(InterruptionStatus.Done, record.Status);
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.Empty(_events.Published);
        MetricRecord failed = Assert.Single(_metrics.Records, r => r.Name == HandoverNotifier.FailedMetric);
        Assert.Equal(HandoverEventTypes.Completed, failed.Dimensions!["DetailType"]);
    }

    [Fact]
    public async Task Publish_BusNeverAnswers_GivesUpAtTheTimeout()
    {
        _events.Hang = true;
        var notifier = new HandoverNotifier(_events, _clock, _metrics, NullLogger.Instance);

        Task<bool> publish = notifier.PublishAsync(HandoverEventTypes.Started, Samples.ReplaceInterruption(Id), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(publish.IsCompleted);
        _clock.Advance(HandoverNotifier.DefaultTimeout);

        Assert.False(await publish.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, _metrics.Count(HandoverNotifier.FailedMetric));
    }

    [Fact]
    public async Task Run_StepOutlivesReclaim_PublishesDeadlineMissedThenFailed()
    {
        await BeginAsync();
        Task<StepOutcome> run = Runner().RunAsync(new CountingStep("replace", _clock, runFor: TimeSpan.FromMinutes(5)), Request(), CancellationToken.None);
        while (!run.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(1);
        }

        Assert.Equal(StepStatus.Skipped, (await run).Status);
        Assert.Equal([HandoverEventTypes.DeadlineMissed, HandoverEventTypes.Failed], _events.DetailTypes);
        Assert.Equal("skipped", _events.Published[0].Detail.Steps[0].Status);
    }

    [Fact]
    public void Summarize_RecordWithClaimsProgressAndDetails_CarriesNoneOfThem()
    {
        InterruptionRecord record = Samples.ReplaceInterruption(Id, withTimeline: true) with
        {
            Steps = [new StepRecord
            {
                Name = "consul",
                Status = StepStatus.Failed,
                Reason = new string('x', 2000),
                Claim = "claim-secret",
                PendingClaim = "pending-secret",
                ClaimConsumedBy = "run-secret",
                Details = new Dictionary<string, string> { ["token"] = "detail-secret" },
            }],
            Progress = new Dictionary<string, string> { ["note"] = "progress-secret" },
        };

        string json = JsonSerializer.Serialize(LedgerSummary.Summarize(record), HandoverSummaryJsonContext.Default.HandoverSummary);

        Assert.DoesNotContain("secret", json, StringComparison.Ordinal);
        Assert.Contains("\"instance_id\":\"" + Id + "\"", json, StringComparison.Ordinal);
        Assert.Equal(LedgerSummary.MaxReasonLength, LedgerSummary.Summarize(record).Steps[0].Reason!.Length);
        Assert.Equal(HandoverEventTypes.Failed, LedgerSummary.EndEventType(record));
    }

    private RemediationRunner Runner() => new(_ledger, _clock, _metrics, NullLogger.Instance)
    {
        Notifier = new HandoverNotifier(_events, _clock, _metrics, NullLogger.Instance),
    };

    private async Task BeginAsync() =>
        await _ledger.TryBeginInterruptionAsync(Samples.ReplaceInterruption(Id, withTimeline: true), new InFlightLimits(), _clock.GetUtcNow(), null, CancellationToken.None);

    private static RemediationRequest Request() => new()
    {
        Step = "replace",
        EventId = "ev-1",
        WarningTime = Samples.WarningTime,
        ReclaimAt = Samples.WarningTime.AddSeconds(120),
        Instance = Samples.Instance(Id),
        Config = new GroupConfig { GroupName = "web" },
    };

    private sealed class ThrowingStep : IRemediationStep
    {
        public string Name => "replace";

        public bool EndsAtReclaim(RemediationRequest request) => true;

        public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken) => throw new InvalidOperationException("no capacity");
    }
}
