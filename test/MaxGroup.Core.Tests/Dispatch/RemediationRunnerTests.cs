using MaxGroup.Core.Runner;

namespace MaxGroup.Core.Tests.Dispatch;

public sealed class RemediationRunnerTests
{
    private const string Id = "i-0123456789abcdef0";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(2));
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingMetrics _metrics = new();

    [Fact]
    public async Task Run_StepAlreadyDone_IsNotRedone()
    {
        RemediationRequest request = await BeginAsync();

        (StepOutcome first, StepOutcome second, int runs, InterruptionRecord record) = await RunTwiceAsync(request);

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.NoOp, second.Status);
        Assert.Equal(1, runs);
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.Equal(InterruptionStatus.Done, record.Status);
        Assert.Equal(["warning", "running", "done", "done"], record.Timeline.Select(t => t.Status));
    }

    [Fact]
    public async Task Run_StepRunningElsewhere_IsNotStartedTwice()
    {
        RemediationRequest request = await BeginAsync();
        await _ledger.TryStartStepAsync(Id, "replace", _clock.GetUtcNow(), RemediationRunner.StepLease, CancellationToken.None);
        var step = new CountingStep("replace", _clock);

        StepOutcome outcome = await Runner().RunAsync(step, request, CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal(0, step.Runs);
    }

    [Fact]
    public async Task TryStartStep_SameClaimAgain_IsTheCallersOwnWriteAndStarts()
    {
        // A write whose answer was lost is retried by the same run with the same claim: it must not read as another run.
        await BeginAsync();
        DateTimeOffset now = _clock.GetUtcNow();

        StepStart first = await _ledger.TryStartStepAsync(Id, "replace", now, RemediationRunner.StepLease, "run-a", CancellationToken.None);
        StepStart retried = await _ledger.TryStartStepAsync(Id, "replace", now, RemediationRunner.StepLease, "run-a", CancellationToken.None);
        StepStart otherRun = await _ledger.TryStartStepAsync(Id, "replace", now, RemediationRunner.StepLease, "run-b", CancellationToken.None);
        StepStart unclaimed = await _ledger.TryStartStepAsync(Id, "replace", now, RemediationRunner.StepLease, CancellationToken.None);

        Assert.Equal(StepStart.Started, first);
        Assert.Equal(StepStart.Started, retried);
        Assert.Equal(StepStart.AlreadyRunning, otherRun);
        Assert.Equal(StepStart.AlreadyRunning, unclaimed);
        Assert.Equal("run-a", (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!.Claim);
    }

    [Fact]
    public async Task TryClaimSuccessor_ConcurrentClaimsOfOneInstance_ExactlyOneInterruptionGetsIt()
    {
        Task<bool>[] claims = Enumerable.Range(0, 20)
            .Select(i => Task.Run(() => _ledger.TryClaimSuccessorAsync("i-0000000000000000a", $"i-{i:D17}", _clock.GetUtcNow(), CancellationToken.None)))
            .ToArray();

        bool[] won = await Task.WhenAll(claims);

        Assert.Single(won, w => w);
    }

    [Fact]
    public async Task Run_SameRequestDeliveredTwice_SecondRunFindsTheStepRunning()
    {
        // Each run claims with its own token, so a duplicate delivery of one request never passes for the first.
        RemediationRequest request = await BeginAsync();
        var step = new CountingStep("replace", _clock, runFor: TimeSpan.FromSeconds(30));
        RemediationRunner runner = Runner();
        Task<StepOutcome> first = runner.RunAsync(step, request, CancellationToken.None);

        StepOutcome second = await runner.RunAsync(step, request, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        await first;

        Assert.Equal(StepStatus.NoOp, second.Status);
        Assert.Equal(1, step.Runs);
    }

    [Fact]
    public async Task Run_StepOutlivesReclaim_IsSkippedAndCountedAsDeadlineMiss()
    {
        RemediationRequest request = await BeginAsync();
        var step = new CountingStep("replace", _clock, runFor: TimeSpan.FromMinutes(5));
        Task<StepOutcome> run = Runner().RunAsync(step, request, CancellationToken.None);

        while (!run.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(1);
        }

        StepOutcome outcome = await run;
        Assert.Equal(StepStatus.Skipped, outcome.Status);
        Assert.Equal("reclaim deadline reached before the step finished", outcome.Reason);
        Assert.Equal(1, _metrics.Count("DeadlineMisses"));
        Assert.Equal(StepStatus.Skipped, (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!.Status);
    }

    [Fact]
    public async Task Run_NoLedgerRecord_SkipsWithoutRunning()
    {
        var step = new CountingStep("replace", _clock);
        RemediationRequest request = Request();

        StepOutcome outcome = await Runner().RunAsync(step, request, CancellationToken.None);

        Assert.Equal(StepStatus.Skipped, outcome.Status);
        Assert.Equal(0, step.Runs);
    }

    [Fact]
    public async Task Run_FreshClaimFromBegin_RunsOnceWithoutStartingAgainAndNotTwice()
    {
        DateTimeOffset claimedAt = _clock.GetUtcNow();
        await BeginAsync(claimStep: "replace");
        RemediationRequest request = Request() with { StepClaimedAt = claimedAt };

        // The same request twice (not possible in-process, but the claim must not outlive the step): not redone.
        (StepOutcome first, StepOutcome again, int runs, InterruptionRecord record) = await RunTwiceAsync(request);

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.NoOp, again.Status);
        Assert.Equal(1, runs);
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.Equal(["warning", "running", "done", "done"], record.Timeline.Select(t => t.Status));
    }

    [Fact]
    public async Task Run_UnclaimedRequestWhileClaimedStepRuns_IsNotStartedTwice()
    {
        await BeginAsync(claimStep: "replace");
        var step = new CountingStep("replace", _clock);

        StepOutcome outcome = await Runner().RunAsync(step, Request(), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal(0, step.Runs);
    }

    private RemediationRunner Runner() => new(_ledger, _clock, _metrics, NullLogger.Instance);

    /// <summary>Runs one counting replace step with <paramref name="request"/> twice on one runner; answers both outcomes, the step's runs and the ledger record after.</summary>
    private async Task<(StepOutcome First, StepOutcome Again, int Runs, InterruptionRecord Record)> RunTwiceAsync(RemediationRequest request)
    {
        RemediationRunner runner = Runner();
        var step = new CountingStep("replace", _clock);

        StepOutcome first = await runner.RunAsync(step, request, CancellationToken.None);
        StepOutcome again = await runner.RunAsync(step, request, CancellationToken.None);
        return (first, again, step.Runs, (await _ledger.GetAsync(Id, CancellationToken.None))!);
    }

    private async Task<RemediationRequest> BeginAsync(string? claimStep = null)
    {
        InterruptionRecord record = Samples.ReplaceInterruption(Id, withTimeline: true);
        await _ledger.TryBeginInterruptionAsync(record, new InFlightLimits(), _clock.GetUtcNow(), claimStep, CancellationToken.None);
        return Request();
    }

    private static RemediationRequest Request() => new()
    {
        Step = "replace",
        EventId = "ev-1",
        WarningTime = Samples.WarningTime,
        ReclaimAt = Samples.WarningTime.AddSeconds(120),
        Instance = Samples.Instance(Id),
        Config = new GroupConfig { GroupName = "web" },
    };
}
