using Amazon.DynamoDBv2.Model;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>
/// <see cref="DynamoDbLedger"/> alone under concurrent callers, against moto behind <see cref="SerializingDynamoDbProxy"/>
/// (moto is not atomic per request; the proxy gives it the atomicity DynamoDB guarantees, see MotoAtomicityTests).
/// Exactly one begin wins per instance, every slot and queue entry is accounted for, none is lost.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbLedgerConcurrencyTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Table = "ledger-concurrency";
    private static readonly DateTimeOffset Warning = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);
    private SerializedLedgerScene _scene = null!;
    private AwsClientFactory _factory = null!;
    private DynamoDbLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _scene = await SerializedLedgerScene.StartAsync(moto.Endpoint, Table, endpoint => AwsTestClients.EndpointFactory(endpoint, AwsTestClients.FastRetry()));
        (_factory, _ledger) = (_scene.Aws, _scene.Ledger);
    }

    public async Task DisposeAsync() => await _scene.DisposeAsync();

    [Fact]
    public async Task TryBegin_FiftyConcurrentForOneInstance_ExactlyOneStartedEveryEventIdKept()
    {
        BeginResult[] results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
            _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", $"ev-{i:00}", "web"), new InFlightLimits(), Warning, "replace", CancellationToken.None))));

        Assert.Single(results, r => r.Outcome == BeginOutcome.Started);
        Assert.Equal(49, results.Count(r => r.Outcome == BeginOutcome.AlreadyHandled));
        InterruptionRecord stored = (await _ledger.GetAsync("i-00000000000000001", CancellationToken.None))!;
        Assert.Equal(50, stored.EventIds.Distinct().Count());
        Assert.Equal(StepStatus.Running, stored.FindStep("replace")!.Status);
        Assert.Equal(StepStatus.Pending, stored.FindStep("volume")!.Status);
        Assert.Equal(["i-00000000000000001"], (await Set(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute)).Select(LedgerSlots.InstanceOf));
    }

    [Fact]
    public async Task TryBegin_TwoHundredConcurrentAcrossGroupsWithCaps_SlotsAndQueueExactNoneLost()
    {
        var limits = new InFlightLimits(Global: 50, PerGroup: 8);
        var instances = Enumerable.Range(0, 200).Select(i => (Id: $"i-{i:x17}", Group: $"g{i % 10}")).ToList();

        BeginResult[] results = await Task.WhenAll(instances.Select(x => Task.Run(() =>
            _ledger.TryBeginInterruptionAsync(Record(x.Id, "ev-" + x.Id, x.Group), limits, Warning, "replace", CancellationToken.None))));

        var started = instances.Where((_, i) => results[i].Outcome == BeginOutcome.Started).ToList();
        var queued = instances.Where((_, i) => results[i].Outcome == BeginOutcome.Queued).ToList();
        Assert.Equal(200, started.Count + queued.Count);
        Assert.Equal(50, started.Count);
        Assert.All(started.GroupBy(x => x.Group), g => Assert.True(g.Count() <= limits.PerGroup, $"{g.Key}: {g.Count()} started"));
        IReadOnlySet<string> global = await Set(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute);
        Assert.Equal(started.Select(x => x.Id).Order(), global.Select(LedgerSlots.InstanceOf).Order());
        foreach (IGrouping<string, (string Id, string Group)> group in instances.GroupBy(x => x.Group))
        {
            IReadOnlySet<string> slots = await Set(LedgerTable.GroupSlotsKey(group.Key), LedgerTable.SlotsAttribute);
            Assert.Equal(started.Where(x => x.Group == group.Key).Select(x => x.Id).Order(), slots.Select(LedgerSlots.InstanceOf).Order());
        }

        Assert.Equal(queued.Select(x => x.Id).Order(), (await _ledger.ListQueuedAsync(CancellationToken.None)).Select(q => q.InstanceId).Order());
        IReadOnlyList<InterruptionRecord> records = await _ledger.ListRecentAsync(1000, CancellationToken.None);
        Assert.Equal(200, records.Count);
        Assert.Equal(50, records.Count(r => r.Status == InterruptionStatus.Active && r.FindStep("replace")!.Status == StepStatus.Running));
        Assert.Equal(150, records.Count(r => r.Status == InterruptionStatus.Queued && r.Steps.All(s => s.Status == StepStatus.Pending)));

        // Everything started completes at once, then every queued one is promoted at once: the caps hold again.
        bool[] completed = await Task.WhenAll(started.Select(x => Task.Run(() => _ledger.TryCompleteInterruptionAsync(x.Id, Warning.AddSeconds(30), CancellationToken.None))));
        Assert.All(completed, Assert.True);
        Assert.Empty(await Set(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute));
        bool[] promoted = await Task.WhenAll(queued.Select(x => Task.Run(() => _ledger.TryPromoteQueuedAsync(x.Id, limits, Warning.AddSeconds(31), CancellationToken.None))));
        var promotedIds = queued.Where((_, i) => promoted[i]).ToList();
        Assert.Equal(50, promotedIds.Count);
        Assert.All(promotedIds.GroupBy(x => x.Group), g => Assert.True(g.Count() <= limits.PerGroup));
        Assert.Equal(promotedIds.Select(x => x.Id).Order(), (await Set(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute)).Select(LedgerSlots.InstanceOf).Order());
        Assert.Equal(100, (await _ledger.ListQueuedAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task TryBegin_ExpiredSlotsAtCap_ArePrunedAndTheNewOneStarts()
    {
        var limits = new InFlightLimits(Global: 2, PerGroup: 2);
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000001", "a", "web"), limits, Warning, CancellationToken.None);
        await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000002", "b", "web"), limits, Warning, CancellationToken.None);

        // Ten minutes on, both slots are past reclaim plus grace: a crashed step must not block the group for ever.
        BeginResult late = await _ledger.TryBeginInterruptionAsync(Record("i-00000000000000003", "c", "web", Warning.AddMinutes(10)), limits, Warning.AddMinutes(10), CancellationToken.None);

        Assert.Equal(BeginOutcome.Started, late.Outcome);
        Assert.Equal(["i-00000000000000003"], (await Set(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute)).Select(LedgerSlots.InstanceOf));
    }

    private async Task<IReadOnlySet<string>> Set(string key, string attribute)
    {
        GetItemResponse response = await _factory.DynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = new() { [LedgerTable.PartitionKey] = new AttributeValue { S = key } },
            ConsistentRead = true,
        });
        return response.Item is { } item && item.TryGetValue(attribute, out AttributeValue? set) && set.SS is { } values
            ? values.ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();
    }

    private static InterruptionRecord Record(string instanceId, string eventId, string group, DateTimeOffset? warning = null)
    {
        DateTimeOffset at = warning ?? Warning;
        return new InterruptionRecord
        {
            InstanceId = instanceId,
            EventIds = [eventId],
            GroupName = group,
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
