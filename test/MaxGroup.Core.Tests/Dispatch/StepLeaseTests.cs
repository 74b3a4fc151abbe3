using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>
/// A step's claim lives only as long as its run renews it: a run that died is taken over within a lease, a live one
/// never is, and a run that lost its claim neither acts on nor records over the run that took it.
/// </summary>
public sealed class StepLeaseTests
{
    private const string Id = "i-0123456789abcdef0";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(3));
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingMetrics _metrics = new();

    [Fact]
    public void StepLease_IsWellInsideTheWindowAndLambdasFirstRetry()
    {
        // A dead run must be taken over with time left to finish: well under Lambda's first retry (60 s) and the 120 s.
        Assert.True(RemediationRunner.StepLease <= TimeSpan.FromSeconds(30));
        Assert.True(RemediationRunner.LeaseRenewInterval * 3 <= RemediationRunner.StepLease);
    }

    [Fact]
    public void StartStep_RunningWithLapsedLease_IsTakenOverAndTheTimelineSaysSo()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        InterruptionRecord record = Running(now - TimeSpan.FromSeconds(30), leaseUntil: now - TimeSpan.FromSeconds(1), claim: "dead");

        (StepStart decision, InterruptionRecord? updated) = LedgerRules.StartStep(record, "replace", now, StepLeases.Lease, "new");

        Assert.Equal(StepStart.Started, decision);
        StepRecord step = updated!.FindStep("replace")!;
        Assert.Equal("new", step.Claim);
        Assert.Equal(now + StepLeases.Lease, step.LeaseUntil);
        Assert.Contains("lease had expired", updated.Timeline[^1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void StartStep_RunningWithRenewedLease_IsNotTakenOverEvenLongAfterItStarted()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        InterruptionRecord record = Running(now - TimeSpan.FromMinutes(2), leaseUntil: now + TimeSpan.FromSeconds(10), claim: "alive");

        (StepStart decision, InterruptionRecord? updated) = LedgerRules.StartStep(record, "replace", now, StepLeases.Lease, "other");

        Assert.Equal(StepStart.AlreadyRunning, decision);
        Assert.Null(updated);
    }

    [Fact]
    public void RenewAndEnd_AfterATakeover_AreRefusedForTheOldRun()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        InterruptionRecord record = Running(now - TimeSpan.FromSeconds(30), leaseUntil: now - TimeSpan.FromSeconds(1), claim: "old");
        InterruptionRecord taken = LedgerRules.StartStep(record, "replace", now, StepLeases.Lease, "new").Updated!;

        Assert.False(LedgerRules.RenewLease(taken, "replace", StepHold.ForClaim("old"), now + StepLeases.Lease).Held);
        Assert.Null(LedgerRules.EndHeldStep(taken, "replace", StepOutcome.Failed("late"), now, StepHold.ForClaim("old")));
        Assert.True(LedgerRules.RenewLease(taken, "replace", StepHold.ForClaim("new"), now + TimeSpan.FromSeconds(25)).Held);
        Assert.NotNull(LedgerRules.EndHeldStep(taken, "replace", StepOutcome.Done("ok"), now, StepHold.ForClaim("new")));
    }

    [Fact]
    public void StalledSteps_PendingPastALeaseAndLapsedRunning_OnlyThose()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        InterruptionRecord record = Record(now - TimeSpan.FromSeconds(25)) with
        {
            Steps =
            [
                new StepRecord { Name = "replace", Status = StepStatus.Running, StartedAt = now - TimeSpan.FromSeconds(25), LeaseUntil = now + TimeSpan.FromSeconds(5), Claim = "a" },
                new StepRecord { Name = "volume", Status = StepStatus.Running, StartedAt = now - TimeSpan.FromSeconds(25), LeaseUntil = now - TimeSpan.FromSeconds(5), Claim = "b" },
                new StepRecord { Name = "drain" },
                new StepRecord { Name = "consul", Status = StepStatus.Done },
            ],
        };

        Assert.Equal(["volume", "drain"], LedgerRules.StalledSteps(record, now, StepLeases.Lease).Select(s => s.Name));
        Assert.Empty(LedgerRules.StalledSteps(record with { CreatedAt = now - TimeSpan.FromSeconds(5), Steps = [record.Steps[2]] }, now, StepLeases.Lease));
    }

    [Fact]
    public async Task Run_StepLongerThanTheLease_RenewsSoAResumeLeavesItAlone()
    {
        await BeginAsync();
        var slow = new CountingStep("replace", _clock, runFor: TimeSpan.FromSeconds(60));
        Task<StepOutcome> first = Runner().RunAsync(slow, Request(), CancellationToken.None);

        // 40 s on, twice the lease: the first run has renewed all along, so a resume stands by and finds it alive.
        await AdvanceAsync(TimeSpan.FromSeconds(40));
        Task<StepOutcome> resume = Runner().RunAsync(slow, Request(resume: true), CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(25));

        Assert.Equal(StepStatus.NoOp, (await Within(resume)).Status);
        Assert.Equal(StepStatus.Done, (await Within(first)).Status);
        Assert.Equal(1, slow.Runs);
        Assert.Equal(0, _metrics.Count("StepsTakenOver"));
    }

    [Fact]
    public async Task Run_HolderDied_ResumeStandsByATheLeaseAndTakesOver()
    {
        await BeginAsync();
        // A run marked the step Running and died: its lease is never renewed.
        Assert.Equal(StepStart.Started, await _ledger.TryStartStepAsync(Id, "replace", _clock.GetUtcNow(), StepLeases.Lease, "dead", CancellationToken.None));
        var step = new CountingStep("replace", _clock);

        Task<StepOutcome> resume = Runner().RunAsync(step, Request(resume: true), CancellationToken.None);
        await AdvanceAsync(StepLeases.Lease + TimeSpan.FromSeconds(2));

        Assert.Equal(StepStatus.Done, (await Within(resume)).Status);
        Assert.Equal(1, step.Runs);
        Assert.Equal(1, _metrics.Count("StepsTakenOver"));
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.Equal(InterruptionStatus.Done, record.Status);
    }

    [Fact]
    public async Task Run_HolderDiedAndNoResume_ADuplicateDoesNotWait()
    {
        await BeginAsync();
        await _ledger.TryStartStepAsync(Id, "replace", _clock.GetUtcNow(), StepLeases.Lease, "dead", CancellationToken.None);
        var step = new CountingStep("replace", _clock);

        // A plain duplicate of the same invocation (Lambda's at-least-once) answers at once: only a resume stands by.
        StepOutcome outcome = await Runner().RunAsync(step, Request(), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal(0, step.Runs);
    }

    [Fact]
    public async Task Run_LeaseLostWhileCutOff_StopsAndLeavesTheNewRunsOutcome()
    {
        await BeginAsync();
        var cutOff = new ObservedLedger(_ledger);
        var blocked = new CountingStep("replace", _clock, runFor: TimeSpan.FromMinutes(5));
        Task<StepOutcome> first = new RemediationRunner(cutOff, _clock, _metrics, NullLogger.Instance).RunAsync(blocked, Request(), CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromSeconds(1));

        // The first run cannot reach the ledger: its lease lapses, and a resume takes the step over and finishes it.
        cutOff.RenewalsFail = true;
        var second = new CountingStep("replace", _clock);
        Task<StepOutcome> takeover = Runner().RunAsync(second, Request(resume: true), CancellationToken.None);
        await AdvanceAsync(StepLeases.Lease + TimeSpan.FromSeconds(2));
        Assert.Equal(StepStatus.Done, (await Within(takeover)).Status);

        // Back in touch, the first run learns the step is no longer its own: it stops, and records nothing over it.
        cutOff.RenewalsFail = false;
        await AdvanceAsync(RemediationRunner.LeaseRenewInterval + TimeSpan.FromSeconds(1));
        StepOutcome late = await Within(first);

        Assert.Equal(StepStatus.NoOp, late.Status);
        Assert.Contains("taken over by another run", late.Reason, StringComparison.Ordinal);
        StepRecord recorded = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!;
        Assert.Equal(StepStatus.Done, recorded.Status);
        Assert.Equal(1, second.Runs);
    }

    [Fact]
    public async Task Run_VolumeStepResumedAfterTheReclaim_IsNotCutOffByIt()
    {
        await BeginAsync(step: "volume");
        _clock.Advance(TimeSpan.FromMinutes(3));
        var volume = new ReclaimAwareStep("volume", endsAtReclaim: false);
        var drain = new ReclaimAwareStep("volume", endsAtReclaim: true);

        StepOutcome moved = await Runner().RunAsync(volume, Request("volume", resume: true), CancellationToken.None);

        Assert.Equal(StepStatus.Done, moved.Status);
        Assert.False(volume.SawCancellation);
        await BeginAsync(id: "i-0000000000000000b", step: "volume");
        StepOutcome drained = await Runner().RunAsync(drain, Request("volume", resume: true, id: "i-0000000000000000b") with { ReclaimAt = _clock.GetUtcNow() - TimeSpan.FromSeconds(1) }, CancellationToken.None);
        Assert.True(drain.SawCancellation);
        Assert.Equal(StepStatus.Skipped, drained.Status);
    }

    /// <summary>A run that should have ended by now fails the test instead of hanging it (the fake clock stands still).</summary>
    private static Task<StepOutcome> Within(Task<StepOutcome> run) => run.WaitAsync(TimeSpan.FromSeconds(10));

    private RemediationRunner Runner() => new(_ledger, _clock, _metrics, NullLogger.Instance);

    /// <summary>Moves the fake clock in small steps, letting the renewal loops and waits run between them.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        for (TimeSpan done = TimeSpan.Zero; done < by; done += TimeSpan.FromSeconds(1))
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            for (int i = 0; i < 5; i++)
            {
                await Task.Yield();
                await Task.Delay(1);
            }
        }
    }

    private Task BeginAsync(string id = Id, string step = "replace") =>
        _ledger.TryBeginInterruptionAsync(Record(_clock.GetUtcNow(), id, step), new InFlightLimits(), _clock.GetUtcNow(), CancellationToken.None);

    private static InterruptionRecord Record(DateTimeOffset createdAt, string id = Id, string step = "replace") => new()
    {
        InstanceId = id,
        EventIds = ["ev-1"],
        GroupName = "web",
        WarningTime = Samples.WarningTime,
        ReclaimAt = Samples.WarningTime + TimeSpan.FromSeconds(120),
        CreatedAt = createdAt,
        Steps = [new StepRecord { Name = step }],
    };

    private static InterruptionRecord Running(DateTimeOffset startedAt, DateTimeOffset leaseUntil, string claim) => Record(startedAt) with
    {
        Steps = [new StepRecord { Name = "replace", Status = StepStatus.Running, StartedAt = startedAt, LeaseUntil = leaseUntil, Claim = claim }],
    };

    private static RemediationRequest Request(string step = "replace", bool resume = false, string id = Id) => new()
    {
        Step = step,
        EventId = "ev-1",
        WarningTime = Samples.WarningTime,
        ReclaimAt = Samples.WarningTime + TimeSpan.FromSeconds(120),
        Instance = Samples.Instance(id),
        Config = new Model.GroupConfig { GroupName = "web" },
        Resume = resume,
    };

    /// <summary>A step that notes whether its token was already cancelled when it ran.</summary>
    private sealed class ReclaimAwareStep(string name, bool endsAtReclaim) : IRemediationStep
    {
        public bool SawCancellation { get; private set; }

        public string Name { get; } = name;

        public bool EndsAtReclaim(RemediationRequest request) => endsAtReclaim;

        public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
        {
            SawCancellation = cancellationToken.IsCancellationRequested;
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(StepOutcome.Done("moved"));
        }
    }
}
