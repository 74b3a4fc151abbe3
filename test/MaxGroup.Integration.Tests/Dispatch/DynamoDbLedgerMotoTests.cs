using Amazon.DynamoDBv2.Model;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>The DynamoDB ledger's conditional writes against moto's DynamoDB.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbLedgerMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private const string Table = "ledger-test";
    private static readonly DateTimeOffset Warning = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private DynamoDbLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        await LedgerTable.CreateIfMissingAsync(_factory.DynamoDb, Table, TimeProvider.System, CancellationToken.None);
        _ledger = new DynamoDbLedger(_factory.DynamoDb, Table);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task CreateIfMissing_Table_HasInstanceIdKeyAndTtl()
    {
        DescribeTableResponse table = await _factory.DynamoDb.DescribeTableAsync(Table);
        DescribeTimeToLiveResponse ttl = await _factory.DynamoDb.DescribeTimeToLiveAsync(Table);

        KeySchemaElement key = Assert.Single(table.Table.KeySchema);
        Assert.Equal(("instance_id", "HASH"), (key.AttributeName, key.KeyType.Value));
        Assert.Equal("expires_at", ttl.TimeToLiveDescription.AttributeName);
        await LedgerTable.CreateIfMissingAsync(_factory.DynamoDb, Table, TimeProvider.System, CancellationToken.None);
    }

    [Fact]
    public async Task TryBegin_NewThenDuplicate_SecondIsAlreadyHandledAndEventIdKept()
    {
        BeginResult first = await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "ev-1"), new InFlightLimits(), Warning, CancellationToken.None);
        BeginResult second = await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "ev-2"), new InFlightLimits(), Warning, CancellationToken.None);

        Assert.Equal(BeginOutcome.Started, first.Outcome);
        Assert.Equal(BeginOutcome.AlreadyHandled, second.Outcome);
        InterruptionRecord stored = (await _ledger.GetAsync("i-00000000000000001", CancellationToken.None))!;
        Assert.Equal(["ev-1", "ev-2"], stored.EventIds);
        Assert.Equal("web", stored.GroupName);
        Assert.Equal(Warning.AddSeconds(120), stored.ReclaimAt);
        Assert.Equal(InterruptionStatus.Active, stored.Status);
        Assert.Equal(["replace", "volume"], stored.Steps.Select(s => s.Name));

        GetItemResponse raw = await _factory.DynamoDb.GetItemAsync(Table, new() { ["instance_id"] = new AttributeValue { S = "i-00000000000000001" } });
        Assert.Equal(Warning.AddDays(30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), raw.Item["expires_at"].N);
    }

    [Fact]
    public async Task TryBegin_ConcurrentDeliveries_ExactlyOneStarts()
    {
        BeginResult[] results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", $"ev-{i}"), new InFlightLimits(), Warning, CancellationToken.None))));

        Assert.Single(results, r => r.Outcome == BeginOutcome.Started);
        Assert.Equal(5, results.Count(r => r.Outcome == BeginOutcome.AlreadyHandled));
        // Not asserted: all six event ids. moto evaluates a condition and writes without a lock between them, so two
        // concurrent version-checked puts can both pass there (DynamoDB serializes them); the sequential test covers it.
        Assert.Contains((await _ledger.GetAsync("i-00000000000000001", CancellationToken.None))!.EventIds, id => id.StartsWith("ev-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TryBegin_OverCap_QueuesAndPromotesWhenSlotFrees()
    {
        var limits = new InFlightLimits(Global: 1, PerGroup: 1);
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "a"), limits, Warning, CancellationToken.None);

        BeginResult queued = await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000002", "b"), limits, Warning, CancellationToken.None);
        bool promotedEarly = await _ledger.TryPromoteQueuedAsync("i-00000000000000002", limits, Warning, CancellationToken.None);
        bool completed = await _ledger.TryCompleteInterruptionAsync("i-00000000000000001", Warning.AddSeconds(30), CancellationToken.None);
        bool completedTwice = await _ledger.TryCompleteInterruptionAsync("i-00000000000000001", Warning.AddSeconds(31), CancellationToken.None);
        IReadOnlyList<QueuedInterruption> waiting = await _ledger.ListQueuedAsync(CancellationToken.None);
        bool promoted = await _ledger.TryPromoteQueuedAsync("i-00000000000000002", limits, Warning.AddSeconds(32), CancellationToken.None);

        Assert.Equal(BeginOutcome.Queued, queued.Outcome);
        Assert.False(promotedEarly);
        Assert.True(completed);
        Assert.False(completedTwice);
        Assert.Equal("i-00000000000000002", Assert.Single(waiting).InstanceId);
        Assert.True(promoted);
        Assert.Empty(await _ledger.ListQueuedAsync(CancellationToken.None));
        Assert.Equal(InterruptionStatus.Active, (await _ledger.GetAsync("i-00000000000000002", CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Steps_StartRecordAndRestart_CompletedStepIsNeverRestarted()
    {
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "ev-1"), new InFlightLimits(), Warning, CancellationToken.None);

        StepStart first = await _ledger.TryStartStepAsync("i-00000000000000001", "replace", Warning.AddSeconds(1), TimeSpan.FromMinutes(3), CancellationToken.None);
        StepStart whileRunning = await _ledger.TryStartStepAsync("i-00000000000000001", "replace", Warning.AddSeconds(2), TimeSpan.FromMinutes(3), CancellationToken.None);
        InterruptionRecord? ended = await _ledger.RecordStepAsync("i-00000000000000001", "replace",
            StepOutcome.Done("ok", new Dictionary<string, string> { ["successor_instance_id"] = "i-00000000000000009" }), Warning.AddSeconds(40), CancellationToken.None);
        StepStart afterDone = await _ledger.TryStartStepAsync("i-00000000000000001", "replace", Warning.AddSeconds(50), TimeSpan.FromMinutes(3), CancellationToken.None);
        await _ledger.SetSuccessorAsync("i-00000000000000001", "i-00000000000000009", Warning.AddSeconds(41), CancellationToken.None);
        await _ledger.SetProgressAsync("i-00000000000000001", "replace.max_raised_from", "2", CancellationToken.None);
        StepStart unknown = await _ledger.TryStartStepAsync("i-00000000000000404", "replace", Warning, TimeSpan.FromMinutes(3), CancellationToken.None);

        Assert.Equal(StepStart.Started, first);
        Assert.Equal(StepStart.AlreadyRunning, whileRunning);
        Assert.Equal(StepStart.AlreadyComplete, afterDone);
        Assert.Equal(StepStart.NoInterruption, unknown);
        Assert.Equal(StepStatus.Done, ended!.FindStep("replace")!.Status);
        InterruptionRecord stored = (await _ledger.GetAsync("i-00000000000000001", CancellationToken.None))!;
        StepRecord replace = stored.FindStep("replace")!;
        Assert.Equal(Warning.AddSeconds(1), replace.StartedAt);
        Assert.Equal(Warning.AddSeconds(40), replace.FinishedAt);
        Assert.Equal("i-00000000000000009", replace.Details["successor_instance_id"]);
        Assert.Equal("i-00000000000000009", stored.SuccessorInstanceId);
        Assert.Equal("2", stored.Progress["replace.max_raised_from"]);
        Assert.Equal(["warning", "running", "done", "successor"], stored.Timeline.Select(t => t.Status));
    }

    [Fact]
    public async Task TryStartStep_AnswerLostAfterTheWriteTookEffect_RetryFindsItsOwnClaimAndStarts()
    {
        // The fault drill's finding: the step's conditional put took effect, its answer was lost, the SDK resent it,
        // the resend failed its condition and the runner took its own write for another run: replace never ran.
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "ev-1"), new InFlightLimits(), Warning, CancellationToken.None);
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        proxy.FailNext("PutItem", "drop-after");
        using var faulted = AwsTestClients.EndpointFactory(proxy.Endpoint, AwsTestClients.FastRetry());
        var ledger = new DynamoDbLedger(faulted.DynamoDb, Table);

        StepStart first = await ledger.TryStartStepAsync("i-00000000000000001", "replace", Warning.AddSeconds(1), TimeSpan.FromMinutes(3), "claim-a", CancellationToken.None);
        StepStart secondDelivery = await _ledger.TryStartStepAsync("i-00000000000000001", "replace", Warning.AddSeconds(2), TimeSpan.FromMinutes(3), "claim-b", CancellationToken.None);

        Assert.Contains(proxy.Calls, c => c.Action == "PutItem" && c.Fault == "drop-after");
        Assert.Equal(StepStart.Started, first);
        Assert.Equal(StepStart.AlreadyRunning, secondDelivery);
        StepRecord replace = (await _ledger.GetAsync("i-00000000000000001", CancellationToken.None))!.FindStep("replace")!;
        Assert.Equal(StepStatus.Running, replace.Status);
        Assert.Equal("claim-a", replace.Claim);
    }

    [Fact]
    public async Task TryClaimSuccessor_TwoInterruptionsOneNewInstance_FirstClaimWinsAndRepeatsAreOurs()
    {
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "a"), new InFlightLimits(), Warning, CancellationToken.None);

        bool first = await _ledger.TryClaimSuccessorAsync("i-0000000000000000a", "i-00000000000000001", Warning, CancellationToken.None);
        bool other = await _ledger.TryClaimSuccessorAsync("i-0000000000000000a", "i-00000000000000002", Warning, CancellationToken.None);
        bool again = await _ledger.TryClaimSuccessorAsync("i-0000000000000000a", "i-00000000000000001", Warning, CancellationToken.None);
        bool otherFresh = await _ledger.TryClaimSuccessorAsync("i-0000000000000000b", "i-00000000000000002", Warning, CancellationToken.None);

        Assert.True(first);
        Assert.False(other);
        Assert.True(again);
        Assert.True(otherFresh);
        // Claims are coordination items: history lists interruptions only.
        Assert.Equal(["i-00000000000000001"], (await _ledger.ListRecentAsync(10, CancellationToken.None)).Select(r => r.InstanceId));
    }

    [Fact]
    public async Task ListRecent_NewestWarningFirst_WithoutCoordinationItem()
    {
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "a"), new InFlightLimits(), Warning, CancellationToken.None);
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000002", "b", Warning.AddMinutes(5)), new InFlightLimits(), Warning, CancellationToken.None);

        IReadOnlyList<InterruptionRecord> recent = await _ledger.ListRecentAsync(10, CancellationToken.None);

        Assert.Equal(["i-00000000000000002", "i-00000000000000001"], recent.Select(r => r.InstanceId));
    }

    [Fact]
    public async Task StepLease_RenewedByItsRunAndRefusedAfterATakeover_AsStoredInDynamoDb()
    {
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "a"), new InFlightLimits(), Warning, CancellationToken.None);
        DateTimeOffset started = Warning.AddSeconds(2);
        Assert.Equal(StepStart.Started, await _ledger.TryStartStepAsync("i-00000000000000001", "replace", started, StepLeases.Lease, "run-a", CancellationToken.None));

        // Renewed past the first lease: a start 30 s later still finds the step held.
        Assert.True(await _ledger.TryRenewStepLeaseAsync("i-00000000000000001", "replace", StepHold.ForClaim("run-a"), started.AddSeconds(40), CancellationToken.None));
        StepRecord renewed = (await _ledger.GetAsync("i-00000000000000001", CancellationToken.None))!.FindStep("replace")!;
        Assert.Equal(started.AddSeconds(40), renewed.LeaseUntil);
        Assert.Equal(StepStart.AlreadyRunning, await _ledger.TryStartStepAsync("i-00000000000000001", "replace", started.AddSeconds(30), StepLeases.Lease, "run-b", CancellationToken.None));

        // Not renewed again: at 41 s run-b takes it over; run-a's renewal and outcome are refused, run-b's recorded.
        Assert.Equal(StepStart.Started, await _ledger.TryStartStepAsync("i-00000000000000001", "replace", started.AddSeconds(41), StepLeases.Lease, "run-b", CancellationToken.None));
        Assert.False(await _ledger.TryRenewStepLeaseAsync("i-00000000000000001", "replace", StepHold.ForClaim("run-a"), started.AddSeconds(60), CancellationToken.None));
        (bool lateRecorded, _) = await _ledger.RecordHeldStepAsync("i-00000000000000001", "replace", StepOutcome.Failed("late"), started.AddSeconds(42), StepHold.ForClaim("run-a"), CancellationToken.None);
        (bool recorded, InterruptionRecord? record) = await _ledger.RecordHeldStepAsync("i-00000000000000001", "replace", StepOutcome.Done("ok"), started.AddSeconds(43), StepHold.ForClaim("run-b"), CancellationToken.None);

        Assert.False(lateRecorded);
        Assert.True(recorded);
        Assert.Equal(StepStatus.Done, record!.FindStep("replace")!.Status);
        Assert.Contains(record.Timeline, t => t.Step == "replace" && t.Reason is { } why && why.Contains("lease had expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListActive_ActiveHandoversOnly_FromTheSlotSet()
    {
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "a"), new InFlightLimits(), Warning, CancellationToken.None);
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000002", "b"), new InFlightLimits(), Warning, CancellationToken.None);
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000003", "c"), new InFlightLimits(Global: 2, PerGroup: 2), Warning, CancellationToken.None);
        await _ledger.TryCompleteInterruptionAsync("i-00000000000000002", Warning.AddSeconds(5), CancellationToken.None);

        IReadOnlyList<InterruptionRecord> active = await _ledger.ListActiveAsync(CancellationToken.None);

        // 2 finished and released its slot; 3 is queued behind the cap, not active.
        Assert.Equal(["i-00000000000000001"], active.Select(r => r.InstanceId));
    }

    private static InterruptionRecord Record(string instanceId, string eventId, DateTimeOffset? warning = null)
    {
        DateTimeOffset at = warning ?? Warning;
        return new InterruptionRecord
        {
            InstanceId = instanceId,
            EventIds = [eventId],
            GroupName = "web",
            WarningTime = at,
            ReclaimAt = at.AddSeconds(120),
            Strategy = "launch",
            Steps = [new StepRecord { Name = "replace" }, new StepRecord { Name = "volume" }],
            Timeline = [new TimelineEntry(at, "interruption", "warning", eventId)],
            CreatedAt = at,
            ExpiresAt = at.AddDays(30),
        };
    }
}
