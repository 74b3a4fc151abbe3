using MaxGroup.Aws;
using MaxGroup.Aws.Ledger;
using MaxGroup.Simulators.Aws;

namespace MaxGroup.Testing.Moto;

/// <summary>
/// The DynamoDB ledger in moto behind <see cref="SerializingDynamoDbProxy"/>, which gives moto the per-request
/// atomicity DynamoDB has: the proxy, clients pointed at it, the table, and the ledger on it.
/// </summary>
public sealed class SerializedLedgerScene : IAsyncDisposable
{
    private readonly SerializingDynamoDbProxy _proxy;

    private SerializedLedgerScene(SerializingDynamoDbProxy proxy, AwsClientFactory aws, DynamoDbLedger ledger)
    {
        _proxy = proxy;
        Aws = aws;
        Ledger = ledger;
    }

    /// <summary>The proxy's http://127.0.0.1:PORT.</summary>
    public string Endpoint => _proxy.Endpoint;

    public AwsClientFactory Aws { get; }

    public DynamoDbLedger Ledger { get; }

    /// <param name="motoEndpoint">Where moto listens.</param>
    /// <param name="table">The ledger table, created when missing.</param>
    /// <param name="clients">Builds the clients for an endpoint (the proxy's).</param>
    public static async Task<SerializedLedgerScene> StartAsync(string motoEndpoint, string table, Func<string, AwsClientFactory> clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        SerializingDynamoDbProxy proxy = await SerializingDynamoDbProxy.StartAsync(motoEndpoint);
        AwsClientFactory aws = clients(proxy.Endpoint);
        await LedgerTable.CreateIfMissingAsync(aws.DynamoDb, table, TimeProvider.System, CancellationToken.None);
        return new SerializedLedgerScene(proxy, aws, new DynamoDbLedger(aws.DynamoDb, table));
    }

    public async ValueTask DisposeAsync()
    {
        Aws.Dispose();
        await _proxy.DisposeAsync();
    }
}
