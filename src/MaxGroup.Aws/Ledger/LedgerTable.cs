using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace MaxGroup.Aws.Ledger;

/// <summary>
/// The ledger table's definition, in one place: partition key `instance_id` (S), no sort key, TTL attribute
/// `expires_at` (epoch seconds), on-demand billing. template.yaml declares the same.
/// </summary>
public static class LedgerTable
{
    public const string DefaultName = "maxgroup-ledger";
    public const string TableVariable = "MAXGROUP_LEDGER_TABLE";
    public const string PartitionKey = "instance_id";
    public const string TtlAttribute = "expires_at";

    /// <summary>The item holding the in-flight slots and the queue; `#` never starts an instance id.</summary>
    public const string CoordinationKey = "#in-flight";

    public static CreateTableRequest Definition(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions = [new AttributeDefinition(PartitionKey, ScalarAttributeType.S)],
        KeySchema = [new KeySchemaElement(PartitionKey, KeyType.HASH)],
    };

    /// <summary>Creates the table and turns TTL on when it does not exist (the CLI against an emulator); waits until ACTIVE.</summary>
    public static async Task CreateIfMissingAsync(IAmazonDynamoDB client, string tableName, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.DescribeTableAsync(tableName, cancellationToken);
            return;
        }
        catch (ResourceNotFoundException)
        {
        }

        try
        {
            await client.CreateTableAsync(Definition(tableName), cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // Created concurrently by another process: fine.
        }

        for (int i = 0; i < 120; i++)
        {
            DescribeTableResponse described = await client.DescribeTableAsync(tableName, cancellationToken);
            if (described.Table.TableStatus == TableStatus.ACTIVE)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), clock, cancellationToken);
        }

        await client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = tableName,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = TtlAttribute, Enabled = true },
        }, cancellationToken);
    }
}
