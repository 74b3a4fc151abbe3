using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Remediation;

namespace MaxGroup.Aws.Ledger;

/// <summary>
/// The ledger in DynamoDB. Each record carries a `version`; every change is a read, the shared
/// <see cref="LedgerRules"/>, and a put conditioned on the version read (optimistic concurrency). Creating an
/// interruption, completing it and promoting a queued one also rewrite the coordination item (in-flight slots and
/// queue) in the same transaction, so the caps hold across concurrent dispatchers.
/// </summary>
public sealed class DynamoDbLedger : ILedger
{
    private const int MaxAttempts = 12;
    private readonly IAmazonDynamoDB _client;
    private readonly string _tableName;

    public DynamoDbLedger(IAmazonDynamoDB client, string tableName)
    {
        _client = client;
        _tableName = tableName;
    }

    public async Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            await BackOffAsync(attempt, cancellationToken);
            (InterruptionRecord Record, long Version)? existing = await ReadAsync(record.InstanceId, cancellationToken);
            if (existing is { } found)
            {
                InterruptionRecord seen = LedgerRules.AddEventIds(found.Record, record.EventIds);
                if (seen.EventIds.Count == found.Record.EventIds.Count || await TryPutAsync(seen, found.Version, cancellationToken))
                {
                    return new BeginResult(BeginOutcome.AlreadyHandled, seen);
                }

                continue;
            }

            (InFlightSlots slots, long coordinationVersion) = await ReadCoordinationAsync(cancellationToken);
            slots.PruneExpired(now);
            InterruptionRecord stored;
            if (slots.HasRoomFor(record.GroupName, limits))
            {
                slots.Activate(record.InstanceId, record.GroupName, record.ReclaimAt, now);
                stored = record with { Status = InterruptionStatus.Active };
            }
            else
            {
                slots.Enqueue(record.InstanceId, record.GroupName, now);
                stored = record with { Status = InterruptionStatus.Queued };
            }

            if (await TryTransactAsync(stored, 0, slots, coordinationVersion, cancellationToken))
            {
                return new BeginResult(stored.Status == InterruptionStatus.Active ? BeginOutcome.Started : BeginOutcome.Queued, stored);
            }

            // Lost a race: either the record now exists (a concurrent delivery) or the slots changed; re-read decides.
        }

        throw Contention(record.InstanceId);
    }

    public async Task<InterruptionRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        (await ReadAsync(instanceId, cancellationToken))?.Record;

    public async Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        StepStart decision = StepStart.NoInterruption;
        await UpdateAsync(instanceId, record =>
        {
            (decision, InterruptionRecord? updated) = LedgerRules.StartStep(record, step, now, lease);
            return updated;
        }, cancellationToken);
        return decision;
    }

    public Task<InterruptionRecord?> RecordStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, record => LedgerRules.EndStep(record, step, outcome, now), cancellationToken);

    public Task SetSuccessorAsync(string instanceId, string successorInstanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, record => record.SuccessorInstanceId == successorInstanceId ? null : LedgerRules.SetSuccessor(record, successorInstanceId, now), cancellationToken);

    public Task SetVolumeAsync(string instanceId, string volumeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, record => record.VolumeId == volumeId ? null : LedgerRules.SetVolume(record, volumeId, now), cancellationToken);

    public Task SetProgressAsync(string instanceId, string key, string value, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, record => record.Progress.GetValueOrDefault(key) == value ? null : LedgerRules.SetProgress(record, key, value), cancellationToken);

    public async Task<bool> TryCompleteInterruptionAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            await BackOffAsync(attempt, cancellationToken);
            (InterruptionRecord Record, long Version)? found = await ReadAsync(instanceId, cancellationToken);
            if (found is not { Record.Status: InterruptionStatus.Active } current)
            {
                return false;
            }

            (InFlightSlots slots, long coordinationVersion) = await ReadCoordinationAsync(cancellationToken);
            slots.Release(instanceId);
            if (await TryTransactAsync(LedgerRules.Complete(current.Record, now), current.Version, slots, coordinationVersion, cancellationToken))
            {
                return true;
            }
        }

        throw Contention(instanceId);
    }

    public async Task<IReadOnlyList<QueuedInterruption>> ListQueuedAsync(CancellationToken cancellationToken) =>
        (await ReadCoordinationAsync(cancellationToken)).Slots.QueueInOrder();

    public async Task<bool> TryPromoteQueuedAsync(string instanceId, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            await BackOffAsync(attempt, cancellationToken);
            (InterruptionRecord Record, long Version)? found = await ReadAsync(instanceId, cancellationToken);
            if (found is not { Record.Status: InterruptionStatus.Queued } current)
            {
                return false;
            }

            (InFlightSlots slots, long coordinationVersion) = await ReadCoordinationAsync(cancellationToken);
            slots.PruneExpired(now);
            if (!slots.HasRoomFor(current.Record.GroupName, limits))
            {
                return false;
            }

            slots.Activate(instanceId, current.Record.GroupName, current.Record.ReclaimAt, now);
            if (await TryTransactAsync(LedgerRules.Promote(current.Record, now), current.Version, slots, coordinationVersion, cancellationToken))
            {
                return true;
            }
        }

        throw Contention(instanceId);
    }

    public async Task<IReadOnlyList<InterruptionRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken)
    {
        var records = new List<InterruptionRecord>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            ScanResponse page = await Guard(() => _client.ScanAsync(new ScanRequest { TableName = _tableName, ExclusiveStartKey = startKey }, cancellationToken));
            records.AddRange((page.Items ?? [])
                .Where(i => i.TryGetValue(LedgerTable.PartitionKey, out AttributeValue? k) && k.S != LedgerTable.CoordinationKey
                    && !k.S.StartsWith(Rebalance.DynamoDbPrewarmLedger.KeyPrefix, StringComparison.Ordinal))
                .Select(i => LedgerItems.FromItem(i).Record));
            startKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return records.OrderByDescending(r => r.WarningTime).Take(limit).ToList();
    }

    private async Task<InterruptionRecord?> UpdateAsync(string instanceId, Func<InterruptionRecord, InterruptionRecord?> change, CancellationToken cancellationToken)
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

    private async Task<(InterruptionRecord Record, long Version)?> ReadAsync(string instanceId, CancellationToken cancellationToken)
    {
        GetItemResponse response = await Guard(() => _client.GetItemAsync(new GetItemRequest
        {
            TableName = _tableName,
            Key = LedgerItems.Key(instanceId),
            ConsistentRead = true,
        }, cancellationToken));
        return response.Item is { Count: > 0 } item ? LedgerItems.FromItem(item) : null;
    }

    private async Task<(InFlightSlots Slots, long Version)> ReadCoordinationAsync(CancellationToken cancellationToken)
    {
        GetItemResponse response = await Guard(() => _client.GetItemAsync(new GetItemRequest
        {
            TableName = _tableName,
            Key = LedgerItems.Key(LedgerTable.CoordinationKey),
            ConsistentRead = true,
        }, cancellationToken));
        return LedgerItems.FromCoordinationItem(response.Item);
    }

    private async Task<bool> TryPutAsync(InterruptionRecord record, long version, CancellationToken cancellationToken)
    {
        try
        {
            await Guard(() => _client.PutItemAsync(ConditionalPut(LedgerItems.ToItem(record, version + 1), version).ToPutItemRequest(), cancellationToken));
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Writes a record and the coordination item together, each conditioned on the version read (0 = must not exist).</summary>
    private async Task<bool> TryTransactAsync(InterruptionRecord record, long recordVersion, InFlightSlots slots, long coordinationVersion, CancellationToken cancellationToken)
    {
        try
        {
            await Guard(() => _client.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new TransactWriteItem { Put = ConditionalPut(LedgerItems.ToItem(record, recordVersion + 1), recordVersion).ToPut() },
                    new TransactWriteItem { Put = ConditionalPut(LedgerItems.ToCoordinationItem(slots, coordinationVersion + 1), coordinationVersion).ToPut() },
                ],
            }, cancellationToken));
            return true;
        }
        catch (TransactionCanceledException)
        {
            return false;
        }
    }

    private ConditionalItem ConditionalPut(Dictionary<string, AttributeValue> item, long expectedVersion) =>
        expectedVersion == 0
            ? new ConditionalItem(_tableName, item, $"attribute_not_exists({LedgerTable.PartitionKey})", null)
            : new ConditionalItem(_tableName, item, "#v = :v", new AttributeValue { N = expectedVersion.ToString(CultureInfo.InvariantCulture) });

    private static async Task<T> Guard<T>(Func<Task<T>> call)
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

    private static RemoteApiException Contention(string instanceId) =>
        new("dynamodb", "LedgerContention", $"ledger record {instanceId} kept changing during {MaxAttempts} attempts", 409);

    /// <summary>A put with its condition, usable alone or inside a transaction.</summary>
    private sealed record ConditionalItem(string TableName, Dictionary<string, AttributeValue> Item, string Condition, AttributeValue? ExpectedVersion)
    {
        public PutItemRequest ToPutItemRequest() => new()
        {
            TableName = TableName,
            Item = Item,
            ConditionExpression = Condition,
            ExpressionAttributeNames = ExpectedVersion is null ? null : new() { ["#v"] = LedgerItems.Version },
            ExpressionAttributeValues = ExpectedVersion is null ? null : new() { [":v"] = ExpectedVersion },
        };

        public Put ToPut() => new()
        {
            TableName = TableName,
            Item = Item,
            ConditionExpression = Condition,
            ExpressionAttributeNames = ExpectedVersion is null ? null : new() { ["#v"] = LedgerItems.Version },
            ExpressionAttributeValues = ExpectedVersion is null ? null : new() { [":v"] = ExpectedVersion },
        };
    }

    /// <summary>
    /// Before a retry after a lost race: a full-jitter wait (up to 10 ms doubled per attempt, at most 320 ms), so that
    /// concurrent writers of the shared coordination item spread out instead of colliding again at once.
    /// </summary>
    private static Task BackOffAsync(int attempt, CancellationToken cancellationToken)
    {
        if (attempt == 0)
        {
            return Task.CompletedTask;
        }

        double ceilingMs = Math.Min(320, 10 * Math.Pow(2, attempt - 1));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceilingMs), cancellationToken);
    }
}
