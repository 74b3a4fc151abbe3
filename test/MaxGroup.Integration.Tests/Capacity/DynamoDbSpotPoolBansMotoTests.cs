using MaxGroup.Aws.Capacity;

namespace MaxGroup.Integration.Tests.Capacity;

/// <summary>The Spot pool bans in the ledger table on moto's DynamoDB: one item, a ban only ever moves later, expired ones ignored.</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDbSpotPoolBansMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private readonly string _table = "bans-" + Guid.NewGuid().ToString("N")[..8];
    private DynamoDbSpotPoolBans _bans = null!;

    public async Task InitializeAsync()
    {
        await LedgerTable.CreateIfMissingAsync(_factory.DynamoDb, _table, TimeProvider.System, CancellationToken.None);
        _bans = new DynamoDbSpotPoolBans(_factory.DynamoDb, _table);
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Active_NoBanYet_Empty()
    {
        Assert.Empty(await _bans.ActiveAsync(Now, CancellationToken.None));
    }

    [Fact]
    public async Task Ban_TwoPools_BothActiveUntilTheyEnd()
    {
        await _bans.BanAsync("m5.large", "us-east-1a", Now.AddMinutes(3), CancellationToken.None);
        await _bans.BanAsync("c5.large", "us-east-1b", Now.AddMinutes(1), CancellationToken.None);

        Assert.Equal(
            [new SpotPoolBan("c5.large", "us-east-1b", Now.AddMinutes(1)), new SpotPoolBan("m5.large", "us-east-1a", Now.AddMinutes(3))],
            (await _bans.ActiveAsync(Now, CancellationToken.None)).OrderBy(b => b.InstanceType, StringComparer.Ordinal));
        Assert.Equal(["m5.large"], (await _bans.ActiveAsync(Now.AddMinutes(2), CancellationToken.None)).Select(b => b.InstanceType));
    }

    [Fact]
    public async Task Ban_EarlierEndForTheSamePool_DoesNotShortenLaterExtends()
    {
        await _bans.BanAsync("m5.large", "us-east-1a", Now.AddMinutes(3), CancellationToken.None);
        await _bans.BanAsync("m5.large", "us-east-1a", Now.AddMinutes(1), CancellationToken.None);
        Assert.Equal(Now.AddMinutes(3), Assert.Single(await _bans.ActiveAsync(Now, CancellationToken.None)).Until);

        await _bans.BanAsync("m5.large", "us-east-1a", Now.AddMinutes(6), CancellationToken.None);
        Assert.Equal(Now.AddMinutes(6), Assert.Single(await _bans.ActiveAsync(Now, CancellationToken.None)).Until);
    }

    [Fact]
    public async Task BanItem_IsNotAnInterruption_ListActiveIgnoresIt()
    {
        await _bans.BanAsync("m5.large", "us-east-1a", Now.AddMinutes(3), CancellationToken.None);

        Assert.Empty(await new DynamoDbLedger(_factory.DynamoDb, _table).ListRecentAsync(10, CancellationToken.None));
    }
}
