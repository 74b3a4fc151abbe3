using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MaxGroup.Aws.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Capacity;

/// <summary>
/// Spot pool bans in the ledger table: one item keyed <see cref="ItemKey"/>, one numeric attribute per pool
/// ("ban:&lt;type&gt;|&lt;zone&gt;" = epoch seconds it ends). A ban is one conditional UpdateItem that only ever moves the end
/// later; the bans are read with one GetItem (every function's launch reads all of them at once). Expired attributes
/// are ignored; the item's TTL removes it an hour after the latest ban written.
/// </summary>
public sealed class DynamoDbSpotPoolBans(IAmazonDynamoDB client, string tableName) : ISpotPoolBans
{
    /// <summary>The partition key of the ban item: a coordination key (leading #), so no listing of interruptions reads it.</summary>
    public const string ItemKey = "#spot-pool-bans";

    private const string AttributePrefix = "ban:";

    public async Task BanAsync(string instanceType, string availabilityZone, DateTimeOffset until, CancellationToken cancellationToken)
    {
        long end = until.ToUnixTimeSeconds();
        try
        {
            await LedgerStore.Guard(() => client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = new() { [LedgerTable.PartitionKey] = new AttributeValue { S = ItemKey } },
                UpdateExpression = "SET #pool = :until, #ttl = :expires",
                ConditionExpression = "attribute_not_exists(#pool) OR #pool < :until",
                ExpressionAttributeNames = new()
                {
                    ["#pool"] = AttributePrefix + instanceType + "|" + availabilityZone,
                    ["#ttl"] = LedgerTable.TtlAttribute,
                },
                ExpressionAttributeValues = new()
                {
                    [":until"] = N(end),
                    [":expires"] = N(end + 3600),
                },
            }, cancellationToken));
        }
        catch (ConditionalCheckFailedException)
        {
            // A ban that ends later is already there: nothing to do.
        }
    }

    public async Task<IReadOnlyList<SpotPoolBan>> ActiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        GetItemResponse response = await LedgerStore.Guard(() => client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new() { [LedgerTable.PartitionKey] = new AttributeValue { S = ItemKey } },
            ConsistentRead = true,
        }, cancellationToken));
        var bans = new List<SpotPoolBan>();
        foreach ((string name, AttributeValue value) in response.Item ?? [])
        {
            int bar = name.IndexOf('|', StringComparison.Ordinal);
            if (!name.StartsWith(AttributePrefix, StringComparison.Ordinal) || bar < 0
                || !long.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out long end))
            {
                continue;
            }

            DateTimeOffset until = DateTimeOffset.FromUnixTimeSeconds(end);
            if (until > now)
            {
                bans.Add(new SpotPoolBan(name[AttributePrefix.Length..bar], name[(bar + 1)..], until));
            }
        }

        return bans;
    }

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
