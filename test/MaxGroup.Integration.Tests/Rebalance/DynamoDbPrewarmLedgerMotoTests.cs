using MaxGroup.Aws.Rebalance;

namespace MaxGroup.Integration.Tests.Rebalance;

/// <summary>The pre-warm records' conditional writes on moto's DynamoDB: one claim wins, dead or expired claims can be taken over.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbPrewarmLedgerMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Stale = TimeSpan.FromMinutes(2);
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private readonly string _table = "prewarm-" + Guid.NewGuid().ToString("N")[..8];
    private DynamoDbPrewarmLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        await LedgerTable.CreateIfMissingAsync(_factory.DynamoDb, _table, TimeProvider.System, CancellationToken.None);
        _ledger = new DynamoDbPrewarmLedger(_factory.DynamoDb, _table);
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TryClaim_SecondClaimWhileLive_IsBlockedByTheFirst()
    {
        Assert.Null(await _ledger.TryClaimAsync(Claim("rb-1", Now), Now, Stale, CancellationToken.None));

        PrewarmRecord? blocking = await _ledger.TryClaimAsync(Claim("rb-2", Now.AddSeconds(5)), Now.AddSeconds(5), Stale, CancellationToken.None);

        Assert.NotNull(blocking);
        Assert.Equal("rb-1", blocking.EventId);
        Assert.Equal(PrewarmStatus.Claimed, blocking.Status);
    }

    [Fact]
    public async Task TryClaim_ClaimDiedWithoutSuccessor_IsTakenOverAfterTheStaleTime()
    {
        await _ledger.TryClaimAsync(Claim("rb-1", Now), Now, Stale, CancellationToken.None);
        DateTimeOffset later = Now.AddMinutes(3);

        Assert.Null(await _ledger.TryClaimAsync(Claim("rb-2", later), later, Stale, CancellationToken.None));
        Assert.Equal("rb-2", (await _ledger.GetAsync("i-risk", later, CancellationToken.None))!.EventId);
    }

    [Fact]
    public async Task TryClaim_LaunchedSuccessor_IsNotTakenOverUntilExpiry()
    {
        await _ledger.TryClaimAsync(Claim("rb-1", Now), Now, Stale, CancellationToken.None);
        await _ledger.SetSuccessorAsync("i-risk", "i-pre", CancellationToken.None);
        DateTimeOffset later = Now.AddMinutes(30);
        DateTimeOffset expired = Now.AddDays(2);

        PrewarmRecord? blocking = await _ledger.TryClaimAsync(Claim("rb-2", later), later, Stale, CancellationToken.None);
        PrewarmRecord? afterExpiry = await _ledger.TryClaimAsync(Claim("rb-3", expired), expired, Stale, CancellationToken.None);

        Assert.Equal(("i-pre", PrewarmStatus.Launched), (blocking!.SuccessorInstanceId, blocking.Status));
        Assert.Null(afterExpiry);
    }

    [Fact]
    public async Task ReleaseClaim_OnlyFromClaimed_LeavesALaunchedRecordAlone()
    {
        await _ledger.TryClaimAsync(Claim("rb-1", Now), Now, Stale, CancellationToken.None);
        await _ledger.SetSuccessorAsync("i-risk", "i-pre", CancellationToken.None);

        await _ledger.ReleaseClaimAsync("i-risk", CancellationToken.None);
        await _ledger.ReleaseClaimAsync("i-never-claimed", CancellationToken.None);

        Assert.Equal(PrewarmStatus.Launched, (await _ledger.GetAsync("i-risk", Now, CancellationToken.None))!.Status);
        Assert.Null(await _ledger.GetAsync("i-never-claimed", Now, CancellationToken.None));
    }

    [Fact]
    public async Task ReleaseClaim_FailedLaunch_LetsTheNextRecommendationClaimAtOnce()
    {
        await _ledger.TryClaimAsync(Claim("rb-1", Now), Now, Stale, CancellationToken.None);

        await _ledger.ReleaseClaimAsync("i-risk", CancellationToken.None);

        Assert.Equal(PrewarmStatus.Released, (await _ledger.GetAsync("i-risk", Now, CancellationToken.None))!.Status);
        Assert.Null(await _ledger.TryClaimAsync(Claim("rb-2", Now.AddSeconds(1)), Now.AddSeconds(1), Stale, CancellationToken.None));
    }

    [Fact]
    public async Task SetStatus_RoundTripsEveryField()
    {
        PrewarmRecord claim = Claim("rb-1", Now);
        await _ledger.TryClaimAsync(claim, Now, Stale, CancellationToken.None);
        await _ledger.SetSuccessorAsync("i-risk", "i-pre", CancellationToken.None);

        await _ledger.SetStatusAsync("i-risk", PrewarmStatus.Reused, "taken by the replace step", CancellationToken.None);

        PrewarmRecord read = (await _ledger.GetAsync("i-risk", Now, CancellationToken.None))!;
        Assert.Equal(
            claim with { Status = PrewarmStatus.Reused, SuccessorInstanceId = "i-pre", Reason = "taken by the replace step" },
            read);
    }

    private static PrewarmRecord Claim(string eventId, DateTimeOffset at) => new()
    {
        InstanceId = "i-risk",
        GroupName = "web",
        EventId = eventId,
        ClaimedAt = at,
        KeepUntil = at.AddHours(1),
        ExpiresAt = at.AddHours(25),
    };
}
