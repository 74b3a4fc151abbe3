using System.Collections.Concurrent;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Tests.LambdaPath;

/// <summary>
/// The Spot warning rule targets the replace function beside the dispatcher: the replace function's own intake begins
/// the hand-over and runs the replace step in its process (no Invoke hop, no token), the dispatcher's delivery waits a
/// grace and is the fallback. The ledger's conditional begin lets one of them begin: one replace run per warning under
/// any order, duplicates and redeliveries; a run that died is taken over by a later delivery.
/// </summary>
public sealed class SiblingIntakeTests
{
    private const string Id = "i-0b0000000000000b1";
    // Room for every instance of the concurrent case: the caps would queue some of them otherwise.
    private static readonly InFlightLimits Limits = new(Global: 100, PerGroup: 100);
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(2));
    private readonly ObservedLedger _ledger = new(new InMemoryLedger());
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly RecordingInvoker _dispatcherInvoker = new();
    private readonly RecordingInvoker _replaceFunctionInvoker = new();

    public SiblingIntakeTests()
    {
        _inventory.Add(Samples.Instance(Id));
        _configs.Add(new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf" });
    }

    [Fact]
    public async Task Warning_ReplaceFunctionFirst_RunsReplaceThereOnceStartsTheOthersAndTheDispatcherIsADuplicate()
    {
        var replace = new GatedStep();

        DispatchResult direct = await ReplaceIntake(replace).OpenWarningAsync(Samples.Warning(Id), CancellationToken.None);
        DispatchResult dispatched = await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, direct.Status);
        RemediationRequest ran = Assert.Single(replace.Received);
        Assert.Null(ran.StepClaim);
        Assert.NotNull(ran.StepClaimedAt);
        // The other steps go through Lambda from the replace function, once; the dispatcher starts nothing.
        Assert.Equal(["volume"], _replaceFunctionInvoker.Started.Select(r => r.Step));
        Assert.Equal(DispatchStatus.Duplicate, dispatched.Status);
        Assert.Empty(_dispatcherInvoker.Started);
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.Equal(["ev-1"], record.EventIds.Distinct());
    }

    [Fact]
    public async Task Warning_DispatcherFirst_ReplaceFunctionsDeliveryIsADuplicateAndTheTokenRunsOnce()
    {
        var replace = new GatedStep();

        DispatchResult dispatched = await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        DispatchResult direct = await ReplaceIntake(replace).OpenWarningAsync(Samples.Warning(Id), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, dispatched.Status);
        Assert.Equal(DispatchStatus.Duplicate, direct.Status);
        Assert.Empty(replace.Received);
        Assert.Empty(_replaceFunctionInvoker.Started);
        RemediationRequest invoked = Assert.Single(_dispatcherInvoker.Started, r => r.Step == "replace");
        Assert.NotNull(invoked.StepClaim);
        StepOutcome first = await LambdaRunner().RunAsync(replace, invoked, CancellationToken.None);
        StepOutcome again = await LambdaRunner().RunAsync(replace, invoked, CancellationToken.None);
        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.NoOp, again.Status);
        Assert.Single(replace.Received);
    }

    [Fact]
    public async Task Warning_BothDeliveriesAtOnceAndRedelivered_OneBeginAndOneReplaceRunPerInstance()
    {
        const int Instances = 20;
        var replace = new GatedStep();
        string[] ids = [.. Enumerable.Range(0, Instances).Select(i => $"i-0c00000000000{i:D4}")];
        foreach (string id in ids)
        {
            _inventory.Add(Samples.Instance(id));
        }

        Dispatcher intake = ReplaceIntake(replace);
        Dispatcher dispatcher = Dispatcher();
        List<Task<DispatchResult>> deliveries = [.. ids.SelectMany(id => new[]
        {
            Task.Run(() => intake.OpenWarningAsync(Samples.Warning(id, "ev-" + id), CancellationToken.None)),
            Task.Run(() => dispatcher.DispatchAsync(Samples.Warning(id, "ev-" + id), CancellationToken.None)),
            // EventBridge's at-least-once: a second copy to the replace function.
            Task.Run(() => intake.OpenWarningAsync(Samples.Warning(id, "ev-" + id), CancellationToken.None)),
        })];
        DispatchResult[] results = await Task.WhenAll(deliveries);
        // The dispatcher's token requests run as the replace function would run them.
        foreach (RemediationRequest invoked in _dispatcherInvoker.Started.Where(r => r.Step == "replace"))
        {
            await LambdaRunner().RunAsync(replace, invoked, CancellationToken.None);
        }

        Assert.Equal(Instances, results.Count(r => r.Status == DispatchStatus.Started));
        Assert.Equal(2 * Instances, results.Count(r => r.Status == DispatchStatus.Duplicate));
        Assert.Equal(ids.Order(StringComparer.Ordinal), replace.Received.Select(r => r.Instance.InstanceId).Order(StringComparer.Ordinal));
        Assert.Equal(Instances, _dispatcherInvoker.Started.Concat(_replaceFunctionInvoker.Started).Count(r => r.Step == "volume"));
    }

    [Fact]
    public async Task Warning_ReplaceFunctionDiedHoldingTheStep_LaterDeliveryTakesItOverAndTheDeadRunRecordsNothing()
    {
        var dead = new GatedStep(new TaskCompletionSource().Task);
        Task<DispatchResult> dying = ReplaceIntake(dead).OpenWarningAsync(Samples.Warning(Id), CancellationToken.None);
        await WaitUntilAsync(() => !dead.Received.IsEmpty);
        // The process is gone: no renewal reaches the ledger, and the lease lapses.
        _ledger.RenewalsFail = true;
        _clock.Advance(StepLeases.Lease + TimeSpan.FromSeconds(2));

        // Lambda's retry of the function's event, in a fresh execution environment.
        var live = new GatedStep();
        DispatchResult redelivered = await ReplaceIntake(live).OpenWarningAsync(Samples.Warning(Id), CancellationToken.None);

        Assert.Equal(DispatchStatus.Resumed, redelivered.Status);
        RemediationRequest resumed = Assert.Single(live.Received);
        Assert.True(resumed.Resume);
        Assert.Equal(StepStatus.Done, (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!.Status);
        Assert.False(dying.IsCompleted);
    }

    [Fact]
    public async Task Warning_DispatcherWithGrace_BeginsOnlyWhenTheReplaceFunctionDidNot()
    {
        var replace = new GatedStep();
        Dispatcher dispatcher = Dispatcher(TimeSpan.FromSeconds(2));

        Task<DispatchResult> waiting = dispatcher.DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        DispatchResult direct = await ReplaceIntake(replace).OpenWarningAsync(Samples.Warning(Id), CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        DispatchResult afterGrace = await waiting;

        _inventory.Add(Samples.Instance("i-0fa00000000000fb1"));
        Task<DispatchResult> fallback = dispatcher.DispatchAsync(Samples.Warning("i-0fa00000000000fb1", "ev-2"), CancellationToken.None);
        Assert.False(fallback.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(2));
        DispatchResult alone = await fallback;

        Assert.Equal(DispatchStatus.Started, direct.Status);
        Assert.Equal(DispatchStatus.Duplicate, afterGrace.Status);
        Assert.Single(replace.Received);
        // No delivery reached the replace function for the second warning: the dispatcher began it after its grace.
        Assert.Equal(DispatchStatus.Started, alone.Status);
        Assert.Equal(["replace", "volume"], _dispatcherInvoker.Started.Select(r => r.Step).Order(StringComparer.Ordinal));
        Assert.All(_dispatcherInvoker.Started, r => Assert.Equal("i-0fa00000000000fb1", r.Instance.InstanceId));
    }

    [Fact]
    public async Task Warning_DryRunGroup_ReplaceFunctionRunsTheStepDry()
    {
        _configs.Add(new GroupConfig { GroupName = "web", DryRun = true });
        var replace = new GatedStep();

        DispatchResult direct = await ReplaceIntake(replace).OpenWarningAsync(Samples.Warning(Id), CancellationToken.None);

        Assert.True(direct.DryRun);
        Assert.True(Assert.Single(replace.Received).DryRun);
        Assert.True((await _ledger.GetAsync(Id, CancellationToken.None))!.DryRun);
    }

    [Fact]
    public async Task OpenWarning_NotASpotWarning_IsLeftToTheDispatcher()
    {
        var replace = new GatedStep();
        MaxGroupEvent sweep = EventParser.Parse("""
            {"version":"0","id":"sweep-1","detail-type":"Scheduled Event","source":"aws.events","time":"2026-11-24T08:15:00Z","detail":{}}
            """);

        DispatchResult result = await ReplaceIntake(replace).OpenWarningAsync(sweep, CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(replace.Received);
    }

    /// <summary>The replace function's intake, as WarningIntakeWiring builds it: replace here, the rest through its invoker.</summary>
    private Dispatcher ReplaceIntake(IRemediationStep replace)
    {
        var runner = new RemediationRunner(_ledger, _clock, _metrics, NullLogger.Instance) { HonoursUntokenedClaims = true };
        var invoker = new LocalStepInvoker("replace", new InProcessFunctionInvoker([replace], () => runner), _replaceFunctionInvoker);
        var options = new DispatcherOptions { ClaimFirstStep = true, IssueClaimTokens = false, SiblingIntake = true, Limits = Limits };
        return new Dispatcher(_inventory, _configs, _ledger, invoker, NullVolumeTriggers.Instance, options, _clock, _metrics, NullLogger.Instance);
    }

    private Dispatcher Dispatcher(TimeSpan? grace = null)
    {
        var options = new DispatcherOptions { ClaimFirstStep = true, IssueClaimTokens = true, SiblingIntake = true, SiblingGrace = grace ?? TimeSpan.Zero, Limits = Limits };
        return new Dispatcher(_inventory, _configs, _ledger, _dispatcherInvoker, NullVolumeTriggers.Instance, options, _clock, _metrics, NullLogger.Instance);
    }

    private RemediationRunner LambdaRunner() => new(_ledger, _clock, _metrics, NullLogger.Instance) { HonoursUntokenedClaims = false };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    /// <summary>A replace step that records what it received, optionally held until <paramref name="release"/> completes.</summary>
    private sealed class GatedStep(Task? release = null) : IRemediationStep
    {
        public ConcurrentQueue<RemediationRequest> Received { get; } = new();

        public string Name => "replace";

        public bool EndsAtReclaim(RemediationRequest request) => true;

        public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
        {
            Received.Enqueue(request);
            if (release is not null)
            {
                await release.WaitAsync(cancellationToken);
            }

            return StepOutcome.Done("successor requested");
        }
    }
}
