using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>
/// Raw concurrent DynamoDB requests (no ledger code), once straight to moto and once through
/// <see cref="SerializingDynamoDbProxy"/>. Straight to moto the losses are reported, not asserted (they are moto's defect
/// and vary run to run; docs/benchmarks.md section 4 records them); through the proxy, what DynamoDB guarantees is asserted,
/// which is what justifies running the ledger and burst tests behind it.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class MotoAtomicityTests(MotoFixture moto, ITestOutputHelper output)
{
    private const string Table = "atomicity";

    [Fact]
    public async Task ConditionalWrites_ConcurrentWithCancelledTransactions_NoneLostBehindSerializingProxy()
    {
        await moto.ResetAsync();
        await using SerializingDynamoDbProxy proxy = await SerializingDynamoDbProxy.StartAsync(moto.Endpoint);

        (int directLost, int directExtraWinners, int directErrors) = await MeasureAsync(moto.Endpoint, "direct");
        (int proxiedLost, int proxiedExtraWinners, int proxiedErrors) = await MeasureAsync(proxy.Endpoint, "proxied");

        string finding =
            $"straight to moto: {directLost} acknowledged PutItems lost, {directExtraWinners} extra winners of attribute_not_exists races, {directErrors} requests failed with a server error\n"
            + $"through the serialising proxy: {proxiedLost} lost, {proxiedExtraWinners} extra winners, {proxiedErrors} server errors\n";
        output.WriteLine(finding);
        Bench.BenchArtifacts.Write("moto-atomicity.md", finding);
        Assert.Equal(0, proxiedLost);
        Assert.Equal(0, proxiedExtraWinners);
        Assert.Equal(0, proxiedErrors);
    }

    private static async Task<(int Lost, int ExtraWinners, int Errors)> MeasureAsync(string endpoint, string prefix)
    {
        int errors = 0;
        int acknowledged = 0;
        using var factory = AwsTestClients.EndpointFactory(endpoint, AwsTestClients.FastRetry(maxAttempts: 1));
        IAmazonDynamoDB client = factory.DynamoDb;
        string table = $"{Table}-{prefix}";
        await LedgerTable.CreateIfMissingAsync(client, table, TimeProvider.System, CancellationToken.None);
        await client.PutItemAsync(table, new() { [LedgerTable.PartitionKey] = S("exists") });

        // 1. Plain PutItems of distinct keys (each acknowledged) while other requests run transactions that are cancelled.
        const int writers = 8;
        const int perWriter = 40;
        using var stop = new CancellationTokenSource();
        Task[] cancelled = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.TransactWriteItemsAsync(new TransactWriteItemsRequest
                    {
                        TransactItems =
                        [
                            new TransactWriteItem
                            {
                                Put = new Put
                                {
                                    TableName = table,
                                    Item = new() { [LedgerTable.PartitionKey] = S("exists") },
                                    ConditionExpression = $"attribute_not_exists({LedgerTable.PartitionKey})",
                                },
                            },
                        ],
                    });
                }
                catch (TransactionCanceledException)
                {
                }
                catch (AmazonDynamoDBException)
                {
                    // moto answers 500 when concurrent requests trip over its shared state.
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < perWriter; i++)
            {
                try
                {
                    await client.PutItemAsync(table, new() { [LedgerTable.PartitionKey] = S($"w{w}-{i}") });
                    Interlocked.Increment(ref acknowledged);
                }
                catch (AmazonDynamoDBException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        await stop.CancelAsync();
        await Task.WhenAll(cancelled);
        int present = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            ScanResponse page = await client.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            present += page.Items.Count(i => i[LedgerTable.PartitionKey].S.StartsWith('w'));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        // 2. Rounds of 16 concurrent put-if-absent on one fresh key: DynamoDB lets exactly one win each round.
        const int rounds = 30;
        int winners = 0;
        for (int r = 0; r < rounds; r++)
        {
            bool[] won = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            {
                try
                {
                    await client.PutItemAsync(new PutItemRequest
                    {
                        TableName = table,
                        Item = new() { [LedgerTable.PartitionKey] = S($"race-{r}"), ["writer"] = new AttributeValue { N = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
                        ConditionExpression = $"attribute_not_exists({LedgerTable.PartitionKey})",
                    });
                    return true;
                }
                catch (ConditionalCheckFailedException)
                {
                    return false;
                }
                catch (AmazonDynamoDBException)
                {
                    Interlocked.Increment(ref errors);
                    return false;
                }
            })));
            winners += won.Count(w => w);
        }

        return (acknowledged - present, winners - rounds, errors);
    }

    private static AttributeValue S(string value) => new() { S = value };
}
