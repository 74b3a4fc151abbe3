using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;

namespace MaxGroup.Integration.Tests.LambdaPath;

/// <summary>
/// The begin's claim token in the DynamoDB ledger (moto behind <see cref="SerializingDynamoDbProxy"/>, which gives moto
/// the per-request atomicity DynamoDB has): consumed by one conditional UpdateItem exactly once, never brought back or
/// dropped by another writer's version-conditioned put of the whole record, and not honoured after a takeover.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class ClaimTokenLedgerMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Table = "ledger-claims";
    private const string Id = "i-00000000000000001";
    private const string Token = "tok-1";
    private static readonly DateTimeOffset Warning = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);
    private static readonly TimeSpan Lease = RemediationRunner.StepLease;
    private SerializedLedgerScene _scene = null!;
    private AwsClientFactory _factory = null!;
    private DynamoDbLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _scene = await SerializedLedgerScene.StartAsync(moto.Endpoint, Table, Factory);
        (_factory, _ledger) = (_scene.Aws, _scene.Ledger);
    }

    public async Task DisposeAsync() => await _scene.DisposeAsync();

    [Fact]
    public async Task Begin_WithToken_StoresReplaceRunningWithPendingClaimInOneWrite()
    {
        BeginResult begin = await BeginAsync();

        Assert.Equal(BeginOutcome.Started, begin.Outcome);
        StepRecord replace = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!;
        Assert.Equal(StepStatus.Running, replace.Status);
        Assert.Equal(Token, replace.PendingClaim);
        Assert.Null(replace.ClaimConsumedBy);
        Assert.Null((await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("drain")!.PendingClaim);
    }

    [Fact]
    public async Task Consume_Once_SucceedsAndSecondConsumeOfSameTokenFails()
    {
        await BeginAsync();
        long before = await VersionAsync();

        bool first = await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None);
        bool second = await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-b", CancellationToken.None);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(before + 1, await VersionAsync());
        StepRecord replace = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!;
        Assert.Null(replace.PendingClaim);
        Assert.Equal("run-a", replace.ClaimConsumedBy);
        Assert.Equal(StepStatus.Running, replace.Status);
    }

    [Fact]
    public async Task Consume_WrongTokenOrNoRecord_Fails()
    {
        await BeginAsync();

        Assert.False(await _ledger.TryConsumeStepClaimAsync(Id, "replace", "tok-other", "run-a", CancellationToken.None));
        Assert.False(await _ledger.TryConsumeStepClaimAsync(Id, "drain", Token, "run-a", CancellationToken.None));
        Assert.False(await _ledger.TryConsumeStepClaimAsync("i-0000000000000000f", "replace", Token, "run-a", CancellationToken.None));
        Assert.Equal(Token, (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!.PendingClaim);
    }

    [Fact]
    public async Task Consume_ConcurrentDeliveries_ExactlyOneConsumes()
    {
        await BeginAsync();

        bool[] results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, $"run-{i}", CancellationToken.None))));

        Assert.Single(results, r => r);
        int winner = Array.IndexOf(results, true);
        Assert.Equal($"run-{winner}", (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!.ClaimConsumedBy);
    }

    [Fact]
    public async Task Consume_AfterAnotherStepsPut_StillWorksBecauseThePutKeptTheClaim()
    {
        await BeginAsync();
        // The drain function starts its step: a version-conditioned put of the whole record, read before the consume.
        Assert.Equal(StepStart.Started, await _ledger.TryStartStepAsync(Id, "drain", Warning.AddSeconds(1), Lease, "drain-run", CancellationToken.None));
        await _ledger.SetProgressAsync(Id, "replace.note", "x", CancellationToken.None);

        Assert.Equal(Token, (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!.PendingClaim);
        Assert.True(await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None));
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Equal(StepStatus.Running, record.FindStep("drain")!.Status);
        Assert.Equal("x", record.Progress["replace.note"]);
    }

    [Fact]
    public async Task Put_ReadBeforeConsume_FailsItsVersionConditionAndCannotResurrectTheClaim()
    {
        await BeginAsync();
        // Another writer read the whole item (claim pending) and will put it back changed, conditioned on that version.
        GetItemResponse read = await _factory.DynamoDb.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(), ConsistentRead = true });
        Dictionary<string, AttributeValue> stale = read.Item;
        string version = stale["version"].N;

        Assert.True(await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None));
        var put = new PutItemRequest
        {
            TableName = Table,
            Item = new Dictionary<string, AttributeValue>(stale) { ["version"] = new AttributeValue { N = (long.Parse(version, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            ConditionExpression = "#v = :v",
            ExpressionAttributeNames = new() { ["#v"] = "version" },
            ExpressionAttributeValues = new() { [":v"] = new AttributeValue { N = version } },
        };

        await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => _factory.DynamoDb.PutItemAsync(put));
        // The ledger's own writers re-read and keep the consumed state.
        Assert.Equal(StepStart.Started, await _ledger.TryStartStepAsync(Id, "drain", Warning.AddSeconds(1), Lease, "drain-run", CancellationToken.None));
        StepRecord replace = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!;
        Assert.Null(replace.PendingClaim);
        Assert.Equal("run-a", replace.ClaimConsumedBy);
        Assert.False(await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-b", CancellationToken.None));
    }

    [Fact]
    public async Task Consume_RacingOtherWritersOfTheRecord_ConsumedOnceAndNeverResurrected()
    {
        await BeginAsync();

        // Drain start, progress notes and the consume interleave (each request atomic, as in DynamoDB).
        Task<StepStart> drain = Task.Run(() => _ledger.TryStartStepAsync(Id, "drain", Warning.AddSeconds(1), Lease, "drain-run", CancellationToken.None));
        Task[] notes = Enumerable.Range(0, 4).Select(i => (Task)Task.Run(() => _ledger.SetProgressAsync(Id, $"note.{i}", "v", CancellationToken.None))).ToArray();
        Task<bool> consume = Task.Run(() => _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None));
        await Task.WhenAll([drain, consume, .. notes]);

        Assert.True(await consume);
        Assert.Equal(StepStart.Started, await drain);
        InterruptionRecord record = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Null(record.FindStep("replace")!.PendingClaim);
        Assert.Equal("run-a", record.FindStep("replace")!.ClaimConsumedBy);
        Assert.Equal(StepStatus.Running, record.FindStep("drain")!.Status);
        Assert.Equal(4, record.Progress.Count);
        Assert.False(await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-b", CancellationToken.None));
    }

    [Fact]
    public async Task Consume_AfterStepEnded_Fails()
    {
        await BeginAsync();
        await _ledger.RecordStepAsync(Id, "replace", StepOutcome.Failed("could not start: invoke failed"), Warning.AddSeconds(1), CancellationToken.None);

        Assert.False(await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None));
    }

    [Fact]
    public async Task Consume_AfterTakeoverPastTheLease_Fails()
    {
        // The invoked function died; past the lease a restart took the step over. The original token is dead.
        await BeginAsync();
        Assert.Equal(StepStart.Started, await _ledger.TryStartStepAsync(Id, "replace", Warning + Lease + TimeSpan.FromSeconds(1), Lease, "restart", CancellationToken.None));

        Assert.False(await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None));
        StepRecord replace = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!;
        Assert.Equal("restart", replace.Claim);
        Assert.Null(replace.PendingClaim);
    }

    [Fact]
    public async Task Consume_AnswerLostAfterTheWriteTookEffect_RetryRecognisesItsOwnConsume()
    {
        // The UpdateItem took effect, its answer was lost and the SDK resent it: the resend fails its condition, and the
        // run must still know the claim is its own (else replace would never run).
        await BeginAsync();
        await using AwsFaultProxy faults = await AwsFaultProxy.StartAsync(_scene.Endpoint);
        faults.FailNext("UpdateItem", "drop-after");
        using AwsClientFactory faulted = Factory(faults.Endpoint);
        var ledger = new DynamoDbLedger(faulted.DynamoDb, Table);

        bool consumed = await ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-a", CancellationToken.None);
        bool secondDelivery = await _ledger.TryConsumeStepClaimAsync(Id, "replace", Token, "run-b", CancellationToken.None);

        Assert.Contains(faults.Calls, c => c.Action == "UpdateItem" && c.Fault == "drop-after");
        Assert.True(consumed);
        Assert.False(secondDelivery);
    }

    [Fact]
    public async Task Runner_SameRequestDeliveredTwice_RunsOnceAndSecondIsNoOp()
    {
        var clock = new FakeTimeProvider(Warning.AddSeconds(2));
        await BeginAsync(clock.GetUtcNow());
        RemediationRequest request = Request(clock.GetUtcNow());
        int runs = 0;
        var step = new DelegateStep("replace", r =>
        {
            Interlocked.Increment(ref runs);
            Assert.Equal(Token, r.StepClaim);
            return StepOutcome.Done("replaced");
        });

        StepOutcome first = await LambdaRunner(clock).RunAsync(step, request, CancellationToken.None);
        StepOutcome second = await LambdaRunner(clock).RunAsync(step, request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.NoOp, second.Status);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task Runner_StaleToken_NotHonouredTakesTheOrdinaryPath()
    {
        var clock = new FakeTimeProvider(Warning.AddSeconds(2));
        await BeginAsync(clock.GetUtcNow());
        RemediationRequest request = Request(clock.GetUtcNow());
        clock.Advance(Lease + TimeSpan.FromSeconds(1));
        RemediationRequest? ran = null;
        var step = new DelegateStep("replace", r =>
        {
            ran = r;
            return StepOutcome.Done("replaced");
        });

        await LambdaRunner(clock).RunAsync(step, request, CancellationToken.None);

        Assert.NotNull(ran);
        Assert.Null(ran.StepClaim);
        Assert.Null(ran.StepClaimedAt);
        StepRecord replace = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("replace")!;
        Assert.Null(replace.PendingClaim);
        Assert.Null(replace.ClaimConsumedBy);
    }

    private static AwsClientFactory Factory(string endpoint) => AwsTestClients.EndpointFactory(endpoint, AwsTestClients.FastRetry());

    private RemediationRunner LambdaRunner(TimeProvider clock) =>
        new(_ledger, clock, NullMetrics.Instance, NullLogger.Instance) { HonoursUntokenedClaims = false };

    private Task<BeginResult> BeginAsync(DateTimeOffset? now = null)
    {
        var record = new InterruptionRecord
        {
            InstanceId = Id,
            EventIds = ["ev-1"],
            GroupName = "web",
            WarningTime = Warning,
            ReclaimAt = Warning.AddSeconds(120),
            Strategy = "launch",
            Steps = [new StepRecord { Name = "replace" }, new StepRecord { Name = "drain" }],
            Timeline = [new TimelineEntry(Warning, "interruption", "warning", "ev-1")],
            CreatedAt = Warning,
            ExpiresAt = Warning.AddDays(30),
        };
        return _ledger.TryBeginInterruptionAsync(record, new InFlightLimits(), now ?? Warning, "replace", Token, CancellationToken.None);
    }

    private static RemediationRequest Request(DateTimeOffset claimedAt) => new()
    {
        Step = "replace",
        EventId = "ev-1",
        WarningTime = Warning,
        ReclaimAt = Warning.AddSeconds(120),
        Instance = new InstanceFacts { InstanceId = Id, GroupName = "web", AvailabilityZone = "us-east-1a", InstanceType = "m5.large", State = "running" },
        Config = new GroupConfig { GroupName = "web" },
        StepClaimedAt = claimedAt,
        StepClaim = Token,
        Prefetch = new ReplacePrefetch { SuccessorSearched = true },
    };

    private async Task<long> VersionAsync()
    {
        GetItemResponse read = await _factory.DynamoDb.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(), ConsistentRead = true });
        return long.Parse(read.Item["version"].N, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, AttributeValue> Key() => new() { ["instance_id"] = new AttributeValue { S = Id } };

    /// <summary>A step whose outcome a test supplies.</summary>
    private sealed class DelegateStep(string name, Func<RemediationRequest, StepOutcome> run) : IRemediationStep
    {
        public string Name { get; } = name;

        public bool EndsAtReclaim(RemediationRequest request) => true;

        public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken) => Task.FromResult(run(request));
    }
}
