using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ledger;

/// <summary>
/// The shared Kubernetes API budget in the ledger table: one item per cluster and window, whose `used` counter a
/// conditional UpdateItem raises only while it stays within the window's limit, so every drain invocation of a cluster,
/// in whatever execution environment, draws from the same budget. The items expire through the table's TTL.
/// </summary>
public sealed class DynamoDbClusterRequestWindows(IAmazonDynamoDB client, string tableName) : IClusterRequestWindows
{
    private const string UsedAttribute = "used";

    public async ValueTask<int> TakeAsync(string cluster, long window, int wanted, int limit, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wanted);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        int asked = Math.Min(wanted, limit);
        while (true)
        {
            if (await TryAddAsync(LedgerTable.ClusterWindowKey(cluster, window), asked, limit, expiresAt, cancellationToken).ConfigureAwait(false))
            {
                return asked;
            }

            if (asked == 1)
            {
                return 0;
            }

            asked = 1; // the window may still hold fewer than were asked for: take one, the caller comes back for more
        }
    }

    private async Task<bool> TryAddAsync(string key, int count, int limit, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var request = new UpdateItemRequest
        {
            TableName = tableName,
            Key = new Dictionary<string, AttributeValue> { [LedgerTable.PartitionKey] = new() { S = key } },
            UpdateExpression = "ADD #used :count SET #ttl = :ttl",
            ConditionExpression = "attribute_not_exists(#used) OR #used <= :most",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#used"] = UsedAttribute, ["#ttl"] = LedgerTable.TtlAttribute },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":count"] = Number(count),
                [":most"] = Number(limit - count),
                [":ttl"] = Number(expiresAt.ToUnixTimeSeconds()),
            },
        };
        try
        {
            await LedgerStore.Guard(() => client.UpdateItemAsync(request, cancellationToken)).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
