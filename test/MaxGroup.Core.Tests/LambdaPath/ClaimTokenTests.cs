using System.Collections.Concurrent;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Tests.LambdaPath;

/// <summary>
/// The begin's claim as it travels through Lambda: a token in the request that the invoked function consumes once. Each
/// delivery gets its own runner (its own execution environment), as two deliveries of one asynchronous invocation would.
/// </summary>
public sealed class ClaimTokenTests
{
    private const string Id = "i-0123456789abcdef0";
    private const string Token = "token-from-the-begin";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(2));
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingMetrics _metrics = new();

    [Fact]
    public async Task Run_SameTokenedRequestDeliveredTwice_StepRunsOnce()
    {
        RemediationRequest request = await BeginAsync(Token);
        var step = new RecordingStep("replace");

        StepOutcome first = await LambdaRunner().RunAsync(step, request, CancellationToken.None);
        StepOutcome second = await LambdaRunner().RunAsync(step, request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.NoOp, second.Status);
        Assert.Equal("already complete for this interruption", second.Reason);
        RemediationRequest ran = Assert.Single(step.Received);
        Assert.Equal(Token, ran.StepClaim);
        Assert.NotNull(ran.StepClaimedAt);
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.Null(record.FindStep("replace")!.PendingClaim);
    }

    [Fact]
    public async Task Run_SecondDeliveryWhileFirstRuns_IsNotStartedTwice()
    {
        RemediationRequest request = await BeginAsync(Token);
        var release = new TaskCompletionSource();
        var step = new RecordingStep("replace", release.Task);

        Task<StepOutcome> first = LambdaRunner().RunAsync(step, request, CancellationToken.None);
        StepOutcome second = await LambdaRunner().RunAsync(step, request, CancellationToken.None);
        release.SetResult();

        Assert.Equal(StepStatus.NoOp, second.Status);
        Assert.Equal("already running for this interruption", second.Reason);
        Assert.Equal(StepStatus.Done, (await first).Status);
        Assert.Single(step.Received);
    }

    [Fact]
    public async Task Run_ManyConcurrentDeliveriesOfOneToken_ExactlyOneRuns()
    {
        RemediationRequest request = await BeginAsync(Token);
        var release = new TaskCompletionSource();
        var step = new RecordingStep("replace", release.Task);

        List<Task<StepOutcome>> runs = Enumerable.Range(0, 8).Select(_ => Task.Run(() => LambdaRunner().RunAsync(step, request, CancellationToken.None))).ToList();
        while (step.Received.IsEmpty && !runs.All(r => r.IsCompleted))
        {
            await Task.Delay(10);
        }

        release.SetResult();
        StepOutcome[] outcomes = await Task.WhenAll(runs);

        Assert.Single(step.Received);
        Assert.Equal(1, outcomes.Count(o => o.Status == StepStatus.Done));
        Assert.Equal(7, outcomes.Count(o => o.Status == StepStatus.NoOp));
    }

    [Fact]
    public async Task Run_WrongToken_IsARedeliveryNotAFirstRun()
    {
        RemediationRequest request = await BeginAsync(Token);
        var step = new RecordingStep("replace");

        StepOutcome outcome = await LambdaRunner().RunAsync(step, request with { StepClaim = "someone-else" }, CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Empty(step.Received);
        Assert.Equal(Token, (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!.PendingClaim);
    }

    [Fact]
    public async Task Run_TokenOlderThanLease_TakesOverAsAnOrdinaryRestartWithoutClaim()
    {
        // The function that should have consumed it died: past the lease the step is restarted, and the restart must keep
        // its successor checks (it is not the first run).
        RemediationRequest request = await BeginAsync(Token);
        _clock.Advance(RemediationRunner.StepLease + TimeSpan.FromSeconds(1));
        var step = new RecordingStep("replace");

        StepOutcome outcome = await LambdaRunner().RunAsync(step, request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        RemediationRequest ran = Assert.Single(step.Received);
        Assert.Null(ran.StepClaimedAt);
        Assert.Null(ran.StepClaim);
        StepRecord replace = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!;
        Assert.Null(replace.PendingClaim);
    }

    [Fact]
    public async Task Run_TokenAfterTakeover_IsNotHonoured()
    {
        // A restart took the step over (lease expired); a late delivery of the original invocation must not run it again.
        RemediationRequest request = await BeginAsync(Token);
        _clock.Advance(RemediationRunner.StepLease + TimeSpan.FromSeconds(1));
        Assert.Equal(StepStart.Started, await _ledger.TryStartStepAsync(Id, "replace", _clock.GetUtcNow(), RemediationRunner.StepLease, "restart", CancellationToken.None));
        var step = new RecordingStep("replace");

        StepOutcome outcome = await LambdaRunner().RunAsync(step, request with { StepClaimedAt = _clock.GetUtcNow() }, CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Empty(step.Received);
    }

    [Fact]
    public async Task Run_UntokenedClaimInLambdaRunner_GoesThroughTheLedger()
    {
        // Through Lambda only a token makes a first run: a bare StepClaimedAt (no token) finds the step running.
        RemediationRequest request = await BeginAsync(Token);
        var step = new RecordingStep("replace");

        StepOutcome outcome = await LambdaRunner().RunAsync(step, request with { StepClaim = null }, CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Empty(step.Received);
    }

    [Fact]
    public async Task ConsumeClaim_SameRunAgain_IsItsOwnWriteAndOtherRunsAreRefused()
    {
        await BeginAsync(Token);

        bool first = await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None);
        bool retried = await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None);
        bool other = await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-b", CancellationToken.None);
        bool missing = await _ledger.TryConsumeStepClaimAsync("i-00000000000000000", "replace", Token, "run-c", CancellationToken.None);

        Assert.True(first);
        Assert.True(retried);
        Assert.False(other);
        Assert.False(missing);
    }

    [Fact]
    public async Task Dispatch_IssueClaimTokens_ReplaceRequestCarriesTheTokenTheLedgerHolds()
    {
        var inventory = new FakeInventory();
        inventory.Add(Samples.Instance(Id));
        var configs = new FakeConfigSource();
        configs.Add(new GroupConfig { GroupName = "web", K8sNodeDrainOption = true });
        var invoker = new RecordingInvoker();
        var dispatcher = new Dispatcher(
            inventory, configs, _ledger, invoker, new RecordingVolumeTriggers(),
            new DispatcherOptions { ClaimFirstStep = true, IssueClaimTokens = true }, _clock, _metrics, NullLogger.Instance);

        DispatchResult result = await dispatcher.DispatchAsync(Samples.Warning(Id), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        RemediationRequest replace = Assert.Single(invoker.Started, r => r.Step == StepNames.Replace);
        Assert.False(string.IsNullOrEmpty(replace.StepClaim));
        Assert.Equal(_clock.GetUtcNow(), replace.StepClaimedAt);
        RemediationRequest drain = Assert.Single(invoker.Started, r => r.Step == StepNames.Drain);
        Assert.Null(drain.StepClaim);
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Equal(StepStatus.Running, record.FindStep(StepNames.Replace)!.Status);
        Assert.Equal(replace.StepClaim, record.FindStep(StepNames.Replace)!.PendingClaim);
        Assert.Null(record.FindStep(StepNames.Drain)!.PendingClaim);

        // The request goes through JSON to the function: the token must survive it.
        string json = System.Text.Json.JsonSerializer.Serialize(replace, RemediationJsonContext.Default.RemediationRequest);
        RemediationRequest received = System.Text.Json.JsonSerializer.Deserialize(json, RemediationJsonContext.Default.RemediationRequest)!;
        Assert.Equal(replace.StepClaim, received.StepClaim);
    }

    [Fact]
    public async Task Dispatch_WithoutTokens_LedgerHoldsNoPendingClaim()
    {
        // In-process (`--inline`): the claim is trusted as it is, no token is stored or sent.
        var inventory = new FakeInventory();
        inventory.Add(Samples.Instance(Id));
        var configs = new FakeConfigSource();
        configs.Add(new GroupConfig { GroupName = "web" });
        var invoker = new RecordingInvoker();
        var dispatcher = new Dispatcher(
            inventory, configs, _ledger, invoker, new RecordingVolumeTriggers(), new DispatcherOptions { ClaimFirstStep = true }, _clock, _metrics, NullLogger.Instance);

        await dispatcher.DispatchAsync(Samples.Warning(Id), CancellationToken.None);

        RemediationRequest replace = Assert.Single(invoker.Started, r => r.Step == StepNames.Replace);
        Assert.Null(replace.StepClaim);
        Assert.NotNull(replace.StepClaimedAt);
        Assert.Null((await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep(StepNames.Replace)!.PendingClaim);
    }

    private RemediationRunner LambdaRunner() => new(_ledger, _clock, _metrics, NullLogger.Instance) { HonoursUntokenedClaims = false };

    private async Task<RemediationRequest> BeginAsync(string token)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        InterruptionRecord record = Samples.ReplaceInterruption(Id, withTimeline: true);
        BeginResult begin = await _ledger.TryBeginInterruptionAsync(record, new InFlightLimits(), now, "replace", token, CancellationToken.None);
        Assert.Equal(BeginOutcome.Started, begin.Outcome);
        return new RemediationRequest
        {
            Step = "replace",
            EventId = "ev-1",
            WarningTime = Samples.WarningTime,
            ReclaimAt = Samples.WarningTime.AddSeconds(120),
            Instance = Samples.Instance(Id),
            Config = new GroupConfig { GroupName = "web" },
            StepClaimedAt = now,
            StepClaim = token,
            Prefetch = new ReplacePrefetch { SuccessorSearched = true },
        };
    }

    /// <summary>A step that records every request it ran with and, optionally, waits until released.</summary>
    private sealed class RecordingStep(string name, Task? release = null) : IRemediationStep
    {
        public ConcurrentQueue<RemediationRequest> Received { get; } = new();

        public string Name { get; } = name;

        public bool EndsAtReclaim(RemediationRequest request) => true;

        public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
        {
            Received.Enqueue(request);
            if (release is not null)
            {
                await release.WaitAsync(cancellationToken);
            }

            return StepOutcome.Done("ran");
        }
    }
}
