using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ledger;

/// <summary>How a conditional transaction on the ledger table ended.</summary>
internal enum LedgerWriteResult
{
    Written,
    /// <summary>The record's condition failed: it exists (begin) or changed (update).</summary>
    RecordConflict,
    /// <summary>A slot set is at its cap (possibly with expired slots in it).</summary>
    Full,
    /// <summary>Cancelled for another reason (a concurrent transaction on the same item): retry.</summary>
    Retry,
}

/// <summary>
/// The ledger table's mechanics, shared by every part of <see cref="DynamoDbLedger"/>: consistent reads of a record
/// (with its version) and of a coordination set, the versioned put and its read-change-put loop, set changes under a
/// size condition, transactions, error translation and the jittered back-off between attempts.
/// </summary>
internal sealed class LedgerStore(IAmazonDynamoDB client, string tableName)
{
    public const int MaxAttempts = 12;
    private const string ConditionalCheckFailed = "ConditionalCheckFailed";

    public IAmazonDynamoDB Client { get; } = client;

    public string TableName { get; } = tableName;

    /// <summary>
    /// Read, change, put conditioned on the version read; again (with back-off) when another writer came between.
    /// <paramref name="change"/> returns null for "nothing to change", and the record as read is returned.
    /// </summary>
    public async Task<InterruptionRecord?> UpdateAsync(string instanceId, Func<InterruptionRecord, InterruptionRecord?> change, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            await BackOffAsync(attempt, cancellationToken);
            (InterruptionRecord Record, long Version)? found = await ReadAsync(instanceId, cancellationToken);
            if (found is not { } current)
            {
                return null;
            }

            InterruptionRecord? updated = change(current.Record);
            if (updated is null)
            {
                return current.Record;
            }

            if (await TryPutAsync(updated, current.Version, cancellationToken))
            {
                return updated;
            }
        }

        throw Contention(instanceId);
    }

    public async Task<(InterruptionRecord Record, long Version)?> ReadAsync(string instanceId, CancellationToken cancellationToken)
    {
        GetItemResponse response = await Guard(() => Client.GetItemAsync(new GetItemRequest
        {
            TableName = TableName,
            Key = LedgerItems.Key(instanceId),
            ConsistentRead = true,
        }, cancellationToken));
        return response.Item is { Count: > 0 } item ? LedgerItems.FromItem(item) : null;
    }

    public async Task<IReadOnlySet<string>> ReadSetAsync(string key, string attribute, CancellationToken cancellationToken)
    {
        GetItemResponse response = await Guard(() => Client.GetItemAsync(new GetItemRequest
        {
            TableName = TableName,
            Key = LedgerItems.Key(key),
            ConsistentRead = true,
        }, cancellationToken));
        return response.Item is { } item && item.TryGetValue(attribute, out AttributeValue? set) && set.SS is { } values
            ? values.ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    public Task DeleteElementsAsync(string key, List<string> elements, CancellationToken cancellationToken) =>
        Guard(() => Client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = LedgerItems.Key(key),
            UpdateExpression = "DELETE #s :e",
            ExpressionAttributeNames = new() { ["#s"] = LedgerTable.SlotsAttribute },
            ExpressionAttributeValues = new() { [":e"] = new AttributeValue { SS = elements } },
        }, cancellationToken));

    /// <summary>The record, conditioned on the version read (0 = must not exist yet).</summary>
    public TransactWriteItem PutRecord(InterruptionRecord record, long version) => new()
    {
        Put = version == 0
            ? new Put
            {
                TableName = TableName,
                Item = LedgerItems.ToItem(record, 1),
                ConditionExpression = $"attribute_not_exists({LedgerTable.PartitionKey})",
            }
            : new Put
            {
                TableName = TableName,
                Item = LedgerItems.ToItem(record, version + 1),
                ConditionExpression = "#v = :v",
                ExpressionAttributeNames = new() { ["#v"] = LedgerItems.Version },
                ExpressionAttributeValues = new() { [":v"] = new AttributeValue { N = version.ToString(CultureInfo.InvariantCulture) } },
            },
    };

    public TransactWriteItem SetChange(string key, string verb, string attribute, string element, int? cap) =>
        SetChange(key, verb, attribute, [element], cap);

    /// <summary>ADD or DELETE elements of a string set; with a cap, only while the set is below it.</summary>
    public TransactWriteItem SetChange(string key, string verb, string attribute, List<string> elements, int? cap)
    {
        var values = new Dictionary<string, AttributeValue> { [":e"] = new() { SS = elements } };
        string? condition = null;
        if (cap is { } limit)
        {
            condition = "attribute_not_exists(#s) OR size(#s) < :cap";
            values[":cap"] = new AttributeValue { N = limit.ToString(CultureInfo.InvariantCulture) };
        }

        return new TransactWriteItem
        {
            Update = new Update
            {
                TableName = TableName,
                Key = LedgerItems.Key(key),
                UpdateExpression = $"{verb} #s :e",
                ConditionExpression = condition,
                ExpressionAttributeNames = new() { ["#s"] = attribute },
                ExpressionAttributeValues = values,
            },
        };
    }

    /// <summary>Runs the transaction; the first item is always the record, the ones with a cap are slot sets.</summary>
    public async Task<LedgerWriteResult> TransactAsync(List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        try
        {
            // One token per attempt, kept across the SDK's own retries: a retry of a transaction that was applied but
            // whose answer was lost succeeds instead of failing on its own record (DynamoDB honours it for 10 minutes).
            var request = new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = Guid.NewGuid().ToString("N") };
            await Guard(() => Client.TransactWriteItemsAsync(request, cancellationToken));
            return LedgerWriteResult.Written;
        }
        catch (TransactionCanceledException ex)
        {
            List<CancellationReason> reasons = ex.CancellationReasons ?? [];
            if (reasons.Count > 0 && reasons[0].Code == ConditionalCheckFailed)
            {
                return LedgerWriteResult.RecordConflict;
            }

            for (int i = 1; i < reasons.Count && i < items.Count; i++)
            {
                if (reasons[i].Code == ConditionalCheckFailed && items[i].Update?.ConditionExpression is not null)
                {
                    return LedgerWriteResult.Full;
                }
            }

            // TransactionConflict (a concurrent transaction on the same item) or no reasons given: retry.
            return LedgerWriteResult.Retry;
        }
    }

    /// <summary>SDK errors become <see cref="RemoteApiException"/>; the conditional failures stay, for the caller to decide on.</summary>
    public static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException ex) when (ex is not ConditionalCheckFailedException and not TransactionCanceledException)
        {
            throw new RemoteApiException("dynamodb", ex.ErrorCode ?? "Unknown", ex.Message, (int)ex.StatusCode, ex);
        }
    }

    public static RemoteApiException Contention(string instanceId) =>
        new("dynamodb", "LedgerContention", $"ledger record {instanceId} kept changing during {MaxAttempts} attempts", 409);

    /// <summary>
    /// Before a retry after a lost race: a full-jitter wait (up to 10 ms doubled per attempt, at most 320 ms), so that
    /// concurrent writers spread out instead of colliding again at once.
    /// </summary>
    public static Task BackOffAsync(int attempt, CancellationToken cancellationToken)
    {
        if (attempt == 0)
        {
            return Task.CompletedTask;
        }

        double ceilingMs = Math.Min(320, 10 * Math.Pow(2, attempt - 1));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceilingMs), cancellationToken);
    }

    private async Task<bool> TryPutAsync(InterruptionRecord record, long version, CancellationToken cancellationToken)
    {
        try
        {
            Put put = PutRecord(record, version).Put;
            await Guard(() => Client.PutItemAsync(new PutItemRequest
            {
                TableName = put.TableName,
                Item = put.Item,
                ConditionExpression = put.ConditionExpression,
                ExpressionAttributeNames = put.ExpressionAttributeNames,
                ExpressionAttributeValues = put.ExpressionAttributeValues,
            }, cancellationToken));
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
