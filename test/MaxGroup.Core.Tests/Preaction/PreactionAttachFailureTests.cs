using MaxGroup.Core.Preaction;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Preaction;

/// <summary>The attach of a preaction successor into a full group, through the shared group membership piece.</summary>
public sealed class PreactionAttachFailureTests
{
    private const string Old = "i-0000000000000000d";
    private const string Successor = "i-0000000000000000e";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero));
    private readonly FakeAutoScaling _autoScaling = new();
    private readonly InMemoryPreactionBatchStore _store = new();

    public PreactionAttachFailureTests()
    {
        _autoScaling.AddGroup("web", min: 1, max: 2, ["i-00000000000000001", Old]);
    }

    [Fact]
    public async Task Advance_FullGroup_NotesMaxSizeRaisesItAttachesAndRestoresWhenTheBatchCloses()
    {
        await StartLaunchedBatchAsync();

        PreactionGroupResult result = await Executor().RunGroupAsync(Config(), dryRun: false, CancellationToken.None);

        Assert.Equal("advanced", result.Status);
        Assert.Equal(["raised MaxSize to 3 for the successor", $"attached {Successor}"], result.Actions);
        Assert.Equal(["Update min=- max=3", $"Attach {Successor}"], _autoScaling.Calls);
        PreactionBatch stored = (await _store.GetAsync("web", CancellationToken.None))!;
        Assert.Equal(2, stored.MaxSizeRaisedFrom);
        Assert.Equal(SwapPhase.Attached, Assert.Single(stored.Swaps).Phase);
    }

    /// <summary>
    /// The MaxSize note is saved (the batch's version moves on inside the attach), then AttachInstances fails: the swap
    /// stays Launched with a "retried next run" note, saved on the batch as stored, not refused as a stale copy ("changed
    /// by another run", as it was until the attach handed back the batch it had saved). The next run attaches.
    /// </summary>
    [Fact]
    public async Task Advance_AttachFailsAfterTheMaxSizeNote_SwapRetriedNextRunWithTheNoteKept()
    {
        await StartLaunchedBatchAsync();
        _autoScaling.Errors["Attach"] = new Queue<RemoteApiException>([new RemoteApiException("autoscaling", "ScalingActivityInProgress", "busy", 400)]);

        PreactionGroupResult failed = await Executor().RunGroupAsync(Config(), dryRun: false, CancellationToken.None);

        Assert.Equal(["raised MaxSize to 3 for the successor"], failed.Actions);
        PreactionBatch stored = (await _store.GetAsync("web", CancellationToken.None))!;
        Assert.Equal(2, stored.MaxSizeRaisedFrom);
        PreactionSwap swap = Assert.Single(stored.Swaps);
        Assert.Equal(SwapPhase.Launched, swap.Phase);
        Assert.StartsWith("Launched: ScalingActivityInProgress ", swap.Note, StringComparison.Ordinal);
        Assert.EndsWith("; retried next run", swap.Note, StringComparison.Ordinal);

        PreactionGroupResult next = await Executor().RunGroupAsync(Config(), dryRun: false, CancellationToken.None);

        Assert.Equal($"attached {Successor}", Assert.Single(next.Actions));
        Assert.Equal(SwapPhase.Attached, Assert.Single((await _store.GetAsync("web", CancellationToken.None))!.Swaps).Phase);
    }

    private async Task StartLaunchedBatchAsync()
    {
        var batch = new PreactionBatch
        {
            GroupName = "web",
            BatchId = "pa1",
            StartedAt = _clock.GetUtcNow(),
            Swaps =
            [
                new PreactionSwap
                {
                    OldInstanceId = Old,
                    OldType = "m5.large",
                    NewType = "m5a.large",
                    AvailabilityZone = "us-east-1a",
                    SuccessorInstanceId = Successor,
                    Phase = SwapPhase.Launched,
                    LaunchedAt = _clock.GetUtcNow(),
                },
            ],
        };
        Assert.True(await _store.TryStartAsync(batch, CancellationToken.None));
    }

    private static GroupConfig Config() => new() { GroupName = "web", IsEnablePreaction = true, PreactionDetachDelaySeconds = 600 };

    private PreactionExecutor Executor() => new(
        _autoScaling, new RunningInstances(), new FakeLauncher(new FakeInventory()), _store, new NoAdvisor(), null, [], _clock,
        NullMetrics.Instance, NullLogger.Instance, new PreactionOptions { ScheduleInterval = TimeSpan.FromMinutes(20) });

    private sealed class RunningInstances : IPreactionInstanceApi
    {
        public Task<IReadOnlyList<InstanceFacts>> DescribeInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<InstanceFacts>>(instanceIds.Select(id => Samples.Instance(id, group: null)).ToList());

        public Task MarkAsync(string instanceId, string batchId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class NoAdvisor : ISpotAdvisorSource
    {
        public Task<SpotAdvisorData> GetAsync(CancellationToken cancellationToken) => throw new NotSupportedException("an open batch needs no advisor data");
    }
}
