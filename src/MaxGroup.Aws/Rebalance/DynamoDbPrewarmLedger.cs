using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using MaxGroup.Aws.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Rebalance;

/// <summary>
/// Pre-warm records in the ledger table under the key prewarm#&lt;instance-id&gt;, with the table's TTL attribute. The
/// claim is one conditional PutItem; updates are conditional on the item existing, so a record the TTL removed is
/// never resurrected half-filled.
/// </summary>
public sealed class DynamoDbPrewarmLedger(IAmazonDynamoDB client, string tableName) : IPrewarmLedger
{
    /// <summary>Key prefix of pre-warm records; interruption records are keyed by the bare instance id.</summary>
    public const string KeyPrefix = "prewarm#";

    private const string TimeFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    public async Task<PrewarmRecord?> TryClaimAsync(PrewarmRecord record, DateTimeOffset now, TimeSpan staleClaim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            await Guard(() => client.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = ToItem(record),
                ConditionExpression = "attribute_not_exists(#pk) OR #ttl <= :now OR #status = :released"
                    + " OR (#status = :claimed AND attribute_not_exists(successor_id) AND claimed_at_epoch <= :stale)",
                ExpressionAttributeNames = new()
                {
                    ["#pk"] = LedgerTable.PartitionKey,
                    ["#ttl"] = LedgerTable.TtlAttribute,
                    ["#status"] = "status",
                },
                ExpressionAttributeValues = new()
                {
                    [":now"] = N(now.ToUnixTimeSeconds()),
                    [":stale"] = N((now - staleClaim).ToUnixTimeSeconds()),
                    [":released"] = S(Status(PrewarmStatus.Released)),
                    [":claimed"] = S(Status(PrewarmStatus.Claimed)),
                },
            }, cancellationToken));
            return null;
        }
        catch (ConditionalCheckFailedException)
        {
            // Someone holds the claim; if it vanished since (TTL), still report it blocked: never risk a second launch.
            return await ReadAsync(record.InstanceId, cancellationToken) ?? record;
        }
    }

    public async Task<PrewarmRecord?> GetAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        PrewarmRecord? record = await ReadAsync(instanceId, cancellationToken);
        return record is not null && record.ExpiresAt > now ? record : null;
    }

    public Task SetSuccessorAsync(string instanceId, string successorInstanceId, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, "SET successor_id = :successor, #status = :status", new()
        {
            [":successor"] = S(successorInstanceId),
            [":status"] = S(Status(PrewarmStatus.Launched)),
        }, null, cancellationToken);

    public Task SetStatusAsync(string instanceId, PrewarmStatus status, string reason, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, "SET #status = :status, reason = :reason", new()
        {
            [":status"] = S(Status(status)),
            [":reason"] = S(reason),
        }, null, cancellationToken);

    public Task ReleaseClaimAsync(string instanceId, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, "SET #status = :status, reason = :reason", new()
        {
            [":status"] = S(Status(PrewarmStatus.Released)),
            [":reason"] = S("claim given up: no successor launched"),
            [":claimed"] = S(Status(PrewarmStatus.Claimed)),
        }, "#status = :claimed", cancellationToken);

    private async Task UpdateAsync(
        string instanceId, string update, Dictionary<string, AttributeValue> values, string? extraCondition, CancellationToken cancellationToken)
    {
        try
        {
            await Guard(() => client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(instanceId),
                UpdateExpression = update,
                ConditionExpression = extraCondition is null ? "attribute_exists(#pk)" : $"attribute_exists(#pk) AND {extraCondition}",
                ExpressionAttributeNames = new() { ["#pk"] = LedgerTable.PartitionKey, ["#status"] = "status" },
                ExpressionAttributeValues = values,
            }, cancellationToken));
        }
        catch (ConditionalCheckFailedException)
        {
            // Gone (TTL) or no longer in the expected status: nothing to change.
        }
    }

    private async Task<PrewarmRecord?> ReadAsync(string instanceId, CancellationToken cancellationToken)
    {
        GetItemResponse response = await Guard(() => client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(instanceId),
            ConsistentRead = true,
        }, cancellationToken));
        return response.Item is { Count: > 0 } item ? FromItem(instanceId, item) : null;
    }

    private static Dictionary<string, AttributeValue> ToItem(PrewarmRecord record)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [LedgerTable.PartitionKey] = S(KeyPrefix + record.InstanceId),
            ["kind"] = S("prewarm"),
            ["group"] = S(record.GroupName),
            ["event_id"] = S(record.EventId),
            ["status"] = S(Status(record.Status)),
            ["claimed_at"] = S(Time(record.ClaimedAt)),
            ["claimed_at_epoch"] = N(record.ClaimedAt.ToUnixTimeSeconds()),
            ["keep_until"] = S(Time(record.KeepUntil)),
            [LedgerTable.TtlAttribute] = N(record.ExpiresAt.ToUnixTimeSeconds()),
            ["reason"] = S(record.Reason),
        };
        if (record.SuccessorInstanceId is not null)
        {
            item["successor_id"] = S(record.SuccessorInstanceId);
        }

        return item;
    }

    private static PrewarmRecord FromItem(string instanceId, Dictionary<string, AttributeValue> item) => new()
    {
        InstanceId = instanceId,
        GroupName = Text(item, "group") ?? "",
        EventId = Text(item, "event_id") ?? "",
        Status = Enum.TryParse(Text(item, "status"), ignoreCase: true, out PrewarmStatus status) ? status : PrewarmStatus.Claimed,
        SuccessorInstanceId = Text(item, "successor_id"),
        ClaimedAt = ParseTime(Text(item, "claimed_at")),
        KeepUntil = ParseTime(Text(item, "keep_until")),
        ExpiresAt = item.TryGetValue(LedgerTable.TtlAttribute, out AttributeValue? ttl)
            && long.TryParse(ttl.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MaxValue,
        Reason = Text(item, "reason") ?? "",
    };

    private static Dictionary<string, AttributeValue> Key(string instanceId) => new() { [LedgerTable.PartitionKey] = S(KeyPrefix + instanceId) };

    private static string Status(PrewarmStatus status) => status.ToString().ToLowerInvariant();

    private static string? Text(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out AttributeValue? value) ? value.S : null;

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time)
            ? time
            : DateTimeOffset.MinValue;

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException ex) when (ex is not ConditionalCheckFailedException)
        {
            throw new RemoteApiException("dynamodb", ex.ErrorCode ?? "Unknown", ex.Message, (int)ex.StatusCode, ex);
        }
    }
}
