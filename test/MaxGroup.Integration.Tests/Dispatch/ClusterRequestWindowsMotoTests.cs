using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Ledger;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>
/// The shared Kubernetes API budget's windows in the ledger table (moto's DynamoDB), and the in-memory twin the CLI and
/// the fast tests use: both grant at most the window's limit, partly when less is left, and keep windows and clusters apart.
/// moto does not make one conditional UpdateItem atomic against another (twelve concurrent takers of a limit of 9 were
/// granted 11), so the table is reached through <see cref="SerializedLedgerScene"/>'s proxy, which gives each request
/// the atomicity DynamoDB documents for conditional writes.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class ClusterRequestWindowsMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Table = "ledger-windows-test";
    private static readonly DateTimeOffset Expiry = new(2026, 12, 2, 22, 0, 0, TimeSpan.Zero);
    private SerializedLedgerScene _scene = null!;

    private AwsClientFactory Aws => _scene.Aws;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _scene = await SerializedLedgerScene.StartAsync(moto.Endpoint, Table, endpoint => AwsTestClients.EndpointFactory(endpoint, AwsTestClients.FastRetry()));
    }

    public async Task DisposeAsync() => await _scene.DisposeAsync();

    public static TheoryData<string> Stores => ["dynamodb", "memory"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Take_UntilTheWindowIsSpent_GrantsTheRestThenNothing(string store)
    {
        IClusterRequestWindows windows = Create(store);

        int[] grants = [
            await windows.TakeAsync("prod", 7, 2, 5, Expiry, CancellationToken.None),
            await windows.TakeAsync("prod", 7, 2, 5, Expiry, CancellationToken.None),
            await windows.TakeAsync("prod", 7, 2, 5, Expiry, CancellationToken.None),
            await windows.TakeAsync("prod", 7, 2, 5, Expiry, CancellationToken.None),
        ];

        Assert.Equal([2, 2, 1, 0], grants);
        Assert.Equal(2, await windows.TakeAsync("prod", 8, 2, 5, Expiry, CancellationToken.None));
        Assert.Equal(2, await windows.TakeAsync("staging", 7, 2, 5, Expiry, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Take_ConcurrentTakers_NeverGrantMoreThanTheLimit(string store)
    {
        IClusterRequestWindows windows = Create(store);

        int[] grants = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
            await windows.TakeAsync("prod", 42, 2, 9, Expiry, CancellationToken.None))));

        Assert.Equal(9, grants.Sum());
    }

    [Fact]
    public async Task Take_WindowRecord_IsACoordinationItemThatExpires()
    {
        await Create("dynamodb").TakeAsync("prod", 7, 1, 5, Expiry, CancellationToken.None);

        string key = LedgerTable.ClusterWindowKey("prod", 7);
        GetItemResponse raw = await Aws.DynamoDb.GetItemAsync(Table, new() { ["instance_id"] = new AttributeValue { S = key } });
        Assert.Equal("1", raw.Item["used"].N);
        Assert.Equal(Expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), raw.Item["expires_at"].N);
        Assert.True(LedgerTable.IsCoordinationKey(key), "the history scan would read the window as an interruption record");
    }

    private IClusterRequestWindows Create(string store) =>
        store == "dynamodb" ? new DynamoDbClusterRequestWindows(Aws.DynamoDb, Table) : new InMemoryClusterRequestWindows();
}
