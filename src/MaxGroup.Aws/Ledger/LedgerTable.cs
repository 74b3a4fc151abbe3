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

    /// <summary>The item whose string set holds every in-flight slot (the global cap); `#` never starts an instance id.</summary>
    public const string CoordinationKey = "#in-flight";

    /// <summary>String set of slot elements on the coordination items (<see cref="LedgerSlots"/>).</summary>
    public const string SlotsAttribute = "slots";

    /// <summary>String set of queue elements on the queue item (<see cref="LedgerSlots"/>).</summary>
    public const string QueueAttribute = "queued";

    /// <summary>The item whose string set holds the interruptions waiting for a slot.</summary>
    public const string QueueKey = "#queued";

    /// <summary>The item whose string set holds one group's in-flight slots (the per-group cap).</summary>
    public static string GroupSlotsKey(string groupName) => CoordinationKey + "#" + groupName;

    /// <summary>The item that says which interruption an instance is the successor of (first claim wins).</summary>
    public static string SuccessorClaimKey(string successorInstanceId) => "#successor#" + successorInstanceId;

    /// <summary>The item counting the Kubernetes API requests one window of one cluster has granted (the shared drain budget).</summary>
    public static string ClusterWindowKey(string cluster, long window) => "#k8s-window#" + cluster + "#" + window.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Coordination items, not interruption records.</summary>
    public static bool IsCoordinationKey(string? key) => key is not null && key.StartsWith('#');

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
