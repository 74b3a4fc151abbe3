using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MaxGroup.Aws.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Capacity;

/// <summary>
/// Backfill records in the ledger table, one item per group and scaling activity keyed
/// "#backfill#&lt;group&gt;#&lt;activity&gt;" (a coordination key: no listing of interruptions reads it), with the table's
/// TTL attribute. The claim is one conditional UpdateItem that leaves the progress attributes alone, so a run taking
/// over a lapsed claim reads what the dead run had done (ALL_NEW).
/// </summary>
public sealed class DynamoDbBackfillLedger(IAmazonDynamoDB client, string tableName) : IBackfillLedger
{
    public const string KeyPrefix = "#backfill#";

    private const string Claimed = "claimed";
    private const string Done = "done";

    public async Task<BackfillRecord?> GetAsync(string groupName, string activityId, CancellationToken cancellationToken)
    {
        GetItemResponse response = await LedgerStore.Guard(() => client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(groupName, activityId),
            ConsistentRead = true,
        }, cancellationToken));
        return response.Item is { Count: > 0 } item ? FromItem(groupName, activityId, item) : null;
    }

    public async Task<(bool Claimed, BackfillRecord Record)> TryClaimAsync(BackfillRecord claim, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        try
        {
            UpdateItemResponse response = await LedgerStore.Guard(() => client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(claim.GroupName, claim.ActivityId),
                UpdateExpression = "SET #kind = :kind, #group = :group, #activity = :activity, #event = :event, #status = :claimed,"
                    + " #claimedAt = :claimedAt, #lease = :lease, #ttl = :ttl",
                ConditionExpression = "attribute_not_exists(#pk) OR #ttl <= :now OR (#status = :claimed AND #lease <= :now)",
                ExpressionAttributeNames = new()
                {
                    ["#pk"] = LedgerTable.PartitionKey,
                    ["#kind"] = "kind",
                    ["#group"] = "group",
                    ["#activity"] = "activity_id",
                    ["#event"] = "event_id",
                    ["#status"] = "status",
                    ["#claimedAt"] = "claimed_at_epoch",
                    ["#lease"] = "lease_until_epoch",
                    ["#ttl"] = LedgerTable.TtlAttribute,
                },
                ExpressionAttributeValues = new()
                {
                    [":kind"] = S("backfill"),
                    [":group"] = S(claim.GroupName),
                    [":activity"] = S(claim.ActivityId),
                    [":event"] = S(claim.EventId),
                    [":claimed"] = S(Claimed),
                    [":claimedAt"] = N(claim.ClaimedAt.ToUnixTimeSeconds()),
                    [":lease"] = N(claim.LeaseUntil.ToUnixTimeSeconds()),
                    [":ttl"] = N(claim.ExpiresAt.ToUnixTimeSeconds()),
                    [":now"] = N(now.ToUnixTimeSeconds()),
                },
                ReturnValues = ReturnValue.ALL_NEW,
            }, cancellationToken));
            return (true, FromItem(claim.GroupName, claim.ActivityId, response.Attributes));
        }
        catch (ConditionalCheckFailedException)
        {
            // Someone holds it or it is done; if it vanished since (TTL), still report it blocked: never risk a second launch.
            return (false, await GetAsync(claim.GroupName, claim.ActivityId, cancellationToken) ?? claim);
        }
    }

    public Task SaveProgressAsync(BackfillRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var sets = new List<string>();
        var values = new Dictionary<string, AttributeValue>();
        if (record.SuccessorInstanceId is { } successor)
        {
            sets.Add("successor_id = :successor");
            values[":successor"] = S(successor);
        }

        if (record.DesiredBefore is int desired)
        {
            sets.Add("desired_before = :desired");
            values[":desired"] = N(desired);
        }

        if (record.MaxRaisedFrom is int max)
        {
            sets.Add("max_raised_from = :max");
            values[":max"] = N(max);
        }

        return sets.Count == 0 ? Task.CompletedTask : UpdateAsync(record.GroupName, record.ActivityId, "SET " + string.Join(", ", sets), values, null, cancellationToken);
    }

    public Task FinishAsync(string groupName, string activityId, string outcome, string reason, CancellationToken cancellationToken) =>
        UpdateAsync(groupName, activityId, "SET #status = :done, #outcome = :outcome, reason = :reason", new()
        {
            [":done"] = S(Done),
            [":outcome"] = S(outcome),
            [":reason"] = S(reason),
        }, null, cancellationToken);

    public Task ReleaseAsync(string groupName, string activityId, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateAsync(groupName, activityId, "SET lease_until_epoch = :now", new()
        {
            [":now"] = N(now.ToUnixTimeSeconds()),
            [":claimed"] = S(Claimed),
        }, "#status = :claimed", cancellationToken);

    private async Task UpdateAsync(
        string groupName, string activityId, string update, Dictionary<string, AttributeValue> values, string? extraCondition, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string> { ["#pk"] = LedgerTable.PartitionKey };
        if (update.Contains("#status", StringComparison.Ordinal) || extraCondition?.Contains("#status", StringComparison.Ordinal) == true)
        {
            names["#status"] = "status";
        }

        if (update.Contains("#outcome", StringComparison.Ordinal))
        {
            names["#outcome"] = "outcome";
        }

        try
        {
            await LedgerStore.Guard(() => client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(groupName, activityId),
                UpdateExpression = update,
                ConditionExpression = extraCondition is null ? "attribute_exists(#pk)" : $"attribute_exists(#pk) AND {extraCondition}",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, cancellationToken));
        }
        catch (ConditionalCheckFailedException)
        {
            // Gone (TTL) or no longer claimed: nothing to change.
        }
    }

    private static BackfillRecord FromItem(string groupName, string activityId, Dictionary<string, AttributeValue> item) => new()
    {
        GroupName = groupName,
        ActivityId = activityId,
        EventId = Text(item, "event_id") ?? "",
        Status = Text(item, "status") == Done ? BackfillStatus.Done : BackfillStatus.Claimed,
        ClaimedAt = Epoch(item, "claimed_at_epoch") ?? DateTimeOffset.MinValue,
        LeaseUntil = Epoch(item, "lease_until_epoch") ?? DateTimeOffset.MinValue,
        ExpiresAt = Epoch(item, LedgerTable.TtlAttribute) ?? DateTimeOffset.MaxValue,
        SuccessorInstanceId = Text(item, "successor_id"),
        DesiredBefore = Number(item, "desired_before"),
        MaxRaisedFrom = Number(item, "max_raised_from"),
        Outcome = Text(item, "outcome") ?? "",
        Reason = Text(item, "reason") ?? "",
    };

    private static Dictionary<string, AttributeValue> Key(string groupName, string activityId) =>
        new() { [LedgerTable.PartitionKey] = S($"{KeyPrefix}{groupName}#{activityId}") };

    private static string? Text(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out AttributeValue? value) ? value.S : null;

    private static int? Number(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? value) && int.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number) ? number : null;

    private static DateTimeOffset? Epoch(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out AttributeValue? value) && long.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
