using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ledger;

/// <summary>
/// The ledger in DynamoDB. Each record carries a `version`; a change to one record is a read, the shared
/// <see cref="LedgerRules"/>, and a put conditioned on the version read (optimistic concurrency on that record only).
/// In-flight slots are string sets on coordination items (one global, one per group) changed with ADD/DELETE under a
/// size condition, never rewritten from a read: beginning an interruption is ONE transaction that creates the record
/// (condition: it does not exist), takes a slot in both sets (condition: below the cap) and may mark the first step
/// Running. Concurrent begins therefore never overwrite each other's slots; they only conflict and retry.
/// </summary>
public sealed class DynamoDbLedger : ILedger
{
    private const int MaxAttempts = 12;

    // A successor claim outlives the interruption record's own life in practice: a month, as the records' TTL.
    private const int SuccessorClaimDays = 30;
    private const string SuccessorOf = "successor_of";
    private const string ConditionalCheckFailed = "ConditionalCheckFailed";
    private readonly IAmazonDynamoDB _client;
    private readonly string _tableName;

    public DynamoDbLedger(IAmazonDynamoDB client, string tableName)
    {
        _client = client;
        _tableName = tableName;
    }

    /// <summary>How a conditional transaction ended.</summary>
    private enum WriteResult
    {
        Written,
        /// <summary>The record's condition failed: it exists (begin) or changed (update).</summary>
        RecordConflict,
        /// <summary>A slot set is at its cap (possibly with expired slots in it).</summary>
        Full,
        /// <summary>Cancelled for another reason (a concurrent transaction on the same item): retry.</summary>
        Retry,
    }

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken) =>
        TryBeginInterruptionAsync(record, limits, now, null, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, CancellationToken cancellationToken) =>
        TryBeginInterruptionAsync(record, limits, now, claimStep, null, cancellationToken);

    public async Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, string? pendingClaim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(limits);
        InterruptionRecord active = LedgerRules.Activate(record, claimStep, now, pendingClaim);
        string slot = LedgerSlots.SlotElement(record.InstanceId, record.ReclaimAt, now);
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            await BackOffAsync(attempt, cancellationToken);
            WriteResult taken = await TransactAsync(
                [PutRecord(active, 0), .. TakeSlot(record.GroupName, slot, limits)], cancellationToken);
            switch (taken)
            {
                case WriteResult.Written:
                    return new BeginResult(BeginOutcome.Started, active);
                case WriteResult.RecordConflict:
                    return await AlreadyHandledAsync(record, cancellationToken);
                case WriteResult.Retry:
                    continue;
            }

            // A cap looks reached: drop expired slots; with room now, try again, else queue.
            if (await PruneAndCheckRoomAsync(record.GroupName, limits, now, cancellationToken))
            {
                continue;
            }

            InterruptionRecord queued = record with { Status = InterruptionStatus.Queued };
            WriteResult enqueued = await TransactAsync(
                [PutRecord(queued, 0), SetChange(LedgerTable.QueueKey, "ADD", LedgerTable.QueueAttribute, LedgerSlots.QueueElement(record.InstanceId, record.GroupName, now), null)],
                cancellationToken);
            switch (enqueued)
            {
                case WriteResult.Written:
                    return new BeginResult(BeginOutcome.Queued, queued);
                case WriteResult.RecordConflict:
                    return await AlreadyHandledAsync(record, cancellationToken);
            }
        }

        throw Contention(record.InstanceId);
    }

    public async Task<InterruptionRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        (await ReadAsync(instanceId, cancellationToken))?.Record;

    public Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        TryStartStepAsync(instanceId, step, now, lease, claim: null, cancellationToken);

    public async Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, string? claim, CancellationToken cancellationToken)
    {
        StepStart decision = StepStart.NoInterruption;
        await UpdateAsync(instanceId, record =>
        {
            (decision, InterruptionRecord? updated) = LedgerRules.StartStep(record, step, now, lease, claim);
            return updated;
        }, cancellationToken);
        return decision;
    }

    /// <summary>
    /// One UpdateItem, no read: the pending claim lives in the record's step_claims map (addressable by step name, unlike
    /// the steps list), so the condition "this step's pending claim is the token" and the change "clear it, note the
    /// consumer, bump the version" are one atomic write. The version bump makes every writer that read the record before
    /// it (an optimistic put of the whole record) fail and re-read, so no put can bring a consumed claim back.
    /// </summary>
    public async Task<bool> TryConsumeStepClaimAsync(string instanceId, string step, string claim, string runId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(claim);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        try
        {
            await Guard(() => _client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _tableName,
                Key = LedgerItems.Key(instanceId),
                // The step's whole entry is replaced (not a field inside it), so the update's path exists whenever the
                // map does: ToItem always writes it, and a condition that fails never meets an invalid path.
                UpdateExpression = "SET #c.#s = :consumed, #v = #v + :one",
                ConditionExpression = "#c.#s.#p = :claim",
                ExpressionAttributeNames = new()
                {
                    ["#c"] = LedgerItems.StepClaims,
                    ["#s"] = step,
                    ["#p"] = LedgerItems.PendingClaim,
                    ["#v"] = LedgerItems.Version,
                },
                ExpressionAttributeValues = new()
                {
                    [":claim"] = new AttributeValue { S = claim },
                    [":consumed"] = new AttributeValue { M = new() { [LedgerItems.ClaimConsumedBy] = new AttributeValue { S = runId } } },
                    [":one"] = new AttributeValue { N = "1" },
                },
            }, cancellationToken));
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Gone: another delivery consumed it, or the step ended or was taken over. Or this run consumed it and the
            // answer was lost (the SDK's retry then fails the condition): that run's id is the consumer.
            InterruptionRecord? record = await GetAsync(instanceId, cancellationToken);
            return record?.FindStep(step)?.ClaimConsumedBy == runId;
        }
    }

    public Task<InterruptionRecord?> RecordStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateAsync(instanceId, record => LedgerRules.EndStep(record, step, outcome, now), cancellationToken);

    public async Task<(bool Recorded, InterruptionRecord? Record)> RecordHeldStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, StepHold hold, CancellationToken cancellationToken)
    {
        bool recorded = false;
        InterruptionRecord? record = await UpdateAsync(instanceId, current =>
        {
            InterruptionRecord? ended = LedgerRules.EndHeldStep(current, step, outcome, now, hold);
            recorded = ended is not null;
            return ended;
        }, cancellationToken);
        return (recorded, record);
    }

    /// <summary>
    /// A read and a put conditioned on the version, like every change to the record: the renewal must not be undone by a
    /// concurrent full-record put of another step, and that put must not be undone by the renewal.
    /// </summary>
    public async Task<bool> TryRenewStepLeaseAsync(string instanceId, string step, StepHold hold, DateTimeOffset until, CancellationToken cancellationToken)
    {
        bool held = false;
        await UpdateAsync(instanceId, current =>
        {
            (held, InterruptionRecord? renewed) = LedgerRules.RenewLease(current, step, hold, until);
            return renewed;
        }, cancellationToken);
        return held;
    }

    /// <summary>The global slot set names every active interruption: one read, then each record (consistent reads).</summary>
    public async Task<IReadOnlyList<InterruptionRecord>> ListActiveAsync(CancellationToken cancellationToken)
    {
        IReadOnlySet<string> slots = await ReadSetAsync(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute, cancellationToken);
        var records = new List<InterruptionRecord>();
        foreach (string instanceId in slots.Select(LedgerSlots.InstanceOf).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await GetAsync(instanceId, cancellationToken) is { Status: InterruptionStatus.Active } record)
            {
                records.Add(record);
            }
        }

        return records.OrderBy(r => r.ReclaimAt).ToList();
    }

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

            // The slot's element carries its expiry, so it is looked up rather than recomputed; DELETE of an element
            // that is already gone (pruned) changes nothing.
            string groupKey = LedgerTable.GroupSlotsKey(current.Record.GroupName);
            Task<IReadOnlySet<string>> globalTask = ReadSetAsync(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute, cancellationToken);
            IReadOnlySet<string> groupSlots = await ReadSetAsync(groupKey, LedgerTable.SlotsAttribute, cancellationToken);
            IReadOnlySet<string> globalSlots = await globalTask;
            var items = new List<TransactWriteItem> { PutRecord(LedgerRules.Complete(current.Record, now), current.Version) };
            items.AddRange(ReleaseSlot(LedgerTable.CoordinationKey, globalSlots, instanceId));
            items.AddRange(ReleaseSlot(groupKey, groupSlots, instanceId));
            if (await TransactAsync(items, cancellationToken) == WriteResult.Written)
            {
                return true;
            }
        }

        throw Contention(instanceId);
    }

    public async Task<IReadOnlyList<QueuedInterruption>> ListQueuedAsync(CancellationToken cancellationToken) =>
        (await ReadSetAsync(LedgerTable.QueueKey, LedgerTable.QueueAttribute, cancellationToken))
            .Select(LedgerSlots.ParseQueueElement)
            .OfType<QueuedInterruption>()
            .OrderBy(q => q.QueuedAt)
            .ThenBy(q => q.InstanceId, StringComparer.Ordinal)
            .ToList();

    public async Task<bool> TryPromoteQueuedAsync(string instanceId, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            await BackOffAsync(attempt, cancellationToken);
            Task<IReadOnlySet<string>> queueTask = ReadSetAsync(LedgerTable.QueueKey, LedgerTable.QueueAttribute, cancellationToken);
            (InterruptionRecord Record, long Version)? found = await ReadAsync(instanceId, cancellationToken);
            IReadOnlySet<string> queue = await queueTask;
            if (found is not { Record.Status: InterruptionStatus.Queued } current)
            {
                return false;
            }

            string slot = LedgerSlots.SlotElement(instanceId, current.Record.ReclaimAt, now);
            var items = new List<TransactWriteItem> { PutRecord(LedgerRules.Promote(current.Record, now), current.Version) };
            items.AddRange(TakeSlot(current.Record.GroupName, slot, limits));
            List<string> entries = queue.Where(e => LedgerSlots.ParseQueueElement(e)?.InstanceId == instanceId).ToList();
            if (entries.Count > 0)
            {
                items.Add(SetChange(LedgerTable.QueueKey, "DELETE", LedgerTable.QueueAttribute, entries, null));
            }

            switch (await TransactAsync(items, cancellationToken))
            {
                case WriteResult.Written:
                    return true;
                case WriteResult.Full when !await PruneAndCheckRoomAsync(current.Record.GroupName, limits, now, cancellationToken):
                    return false;
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
                .Where(i => i.TryGetValue(LedgerTable.PartitionKey, out AttributeValue? k) && !LedgerTable.IsCoordinationKey(k.S)
                    && !k.S.StartsWith(Rebalance.DynamoDbPrewarmLedger.KeyPrefix, StringComparison.Ordinal))
                .Select(i => LedgerItems.FromItem(i).Record));
            startKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return records.OrderByDescending(r => r.WarningTime).Take(limit).ToList();
    }

    /// <summary>
    /// A redelivery: the event id is appended to the record that exists, nothing else changes. One conditional
    /// UpdateItem (no read-modify-write), so many concurrent redeliveries of one interruption never collide.
    /// </summary>
    private async Task<BeginResult> AlreadyHandledAsync(InterruptionRecord record, CancellationToken cancellationToken)
    {
        if (record.EventIds.Count > 0)
        {
            try
            {
                UpdateItemResponse updated = await Guard(() => _client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _tableName,
                    Key = LedgerItems.Key(record.InstanceId),
                    UpdateExpression = "SET #e = list_append(#e, :ids), #v = #v + :one",
                    ConditionExpression = "attribute_exists(#k) AND NOT contains(#e, :id)",
                    ExpressionAttributeNames = new() { ["#e"] = LedgerItems.EventIds, ["#v"] = LedgerItems.Version, ["#k"] = LedgerTable.PartitionKey },
                    ExpressionAttributeValues = new()
                    {
                        [":ids"] = new AttributeValue { L = record.EventIds.Select(id => new AttributeValue { S = id }).ToList() },
                        [":one"] = new AttributeValue { N = "1" },
                        [":id"] = new AttributeValue { S = record.EventIds[0] },
                    },
                    ReturnValues = ReturnValue.ALL_NEW,
                }, cancellationToken));
                return new BeginResult(BeginOutcome.AlreadyHandled, LedgerItems.FromItem(updated.Attributes).Record);
            }
            catch (ConditionalCheckFailedException)
            {
                // The id was recorded already (a redelivery of a redelivery): nothing to add.
            }
        }

        return new BeginResult(BeginOutcome.AlreadyHandled, await GetAsync(record.InstanceId, cancellationToken) ?? record);
    }

    /// <summary>
    /// Deletes expired slots from the global and the group set (unconditionally: an expired slot is expired for every
    /// writer) and says whether both are below their caps afterwards.
    /// </summary>
    private async Task<bool> PruneAndCheckRoomAsync(string groupName, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string groupKey = LedgerTable.GroupSlotsKey(groupName);
        Task<IReadOnlySet<string>> globalTask = ReadSetAsync(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute, cancellationToken);
        IReadOnlySet<string> group = await ReadSetAsync(groupKey, LedgerTable.SlotsAttribute, cancellationToken);
        IReadOnlySet<string> global = await globalTask;
        List<string> expiredGlobal = global.Where(e => LedgerSlots.IsExpired(e, now)).ToList();
        List<string> expiredGroup = group.Where(e => LedgerSlots.IsExpired(e, now)).ToList();
        if (expiredGlobal.Count > 0)
        {
            await DeleteElementsAsync(LedgerTable.CoordinationKey, expiredGlobal, cancellationToken);
        }

        if (expiredGroup.Count > 0)
        {
            await DeleteElementsAsync(groupKey, expiredGroup, cancellationToken);
        }

        return global.Count - expiredGlobal.Count < limits.Global && group.Count - expiredGroup.Count < limits.PerGroup;
    }

    private Task DeleteElementsAsync(string key, List<string> elements, CancellationToken cancellationToken) =>
        Guard(() => _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _tableName,
            Key = LedgerItems.Key(key),
            UpdateExpression = "DELETE #s :e",
            ExpressionAttributeNames = new() { ["#s"] = LedgerTable.SlotsAttribute },
            ExpressionAttributeValues = new() { [":e"] = new AttributeValue { SS = elements } },
        }, cancellationToken));

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

    private async Task<IReadOnlySet<string>> ReadSetAsync(string key, string attribute, CancellationToken cancellationToken)
    {
        GetItemResponse response = await Guard(() => _client.GetItemAsync(new GetItemRequest
        {
            TableName = _tableName,
            Key = LedgerItems.Key(key),
            ConsistentRead = true,
        }, cancellationToken));
        return response.Item is { } item && item.TryGetValue(attribute, out AttributeValue? set) && set.SS is { } values
            ? values.ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
    }

    public async Task<bool> TryClaimSuccessorAsync(string successorInstanceId, string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(successorInstanceId);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        try
        {
            // Put-if-absent, or already ours: a retry whose first answer was lost still reads as our claim.
            await Guard(() => _client.PutItemAsync(new PutItemRequest
            {
                TableName = _tableName,
                Item = new Dictionary<string, AttributeValue>
                {
                    [LedgerTable.PartitionKey] = new AttributeValue { S = LedgerTable.SuccessorClaimKey(successorInstanceId) },
                    [SuccessorOf] = new AttributeValue { S = instanceId },
                    [LedgerTable.TtlAttribute] = new AttributeValue { N = now.AddDays(SuccessorClaimDays).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
                },
                ConditionExpression = "attribute_not_exists(#k) OR #of = :me",
                ExpressionAttributeNames = new() { ["#k"] = LedgerTable.PartitionKey, ["#of"] = SuccessorOf },
                ExpressionAttributeValues = new() { [":me"] = new AttributeValue { S = instanceId } },
            }, cancellationToken));
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private async Task<bool> TryPutAsync(InterruptionRecord record, long version, CancellationToken cancellationToken)
    {
        try
        {
            Put put = PutRecord(record, version).Put;
            await Guard(() => _client.PutItemAsync(new PutItemRequest
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

    /// <summary>The record, conditioned on the version read (0 = must not exist yet).</summary>
    private TransactWriteItem PutRecord(InterruptionRecord record, long version) => new()
    {
        Put = version == 0
            ? new Put
            {
                TableName = _tableName,
                Item = LedgerItems.ToItem(record, 1),
                ConditionExpression = $"attribute_not_exists({LedgerTable.PartitionKey})",
            }
            : new Put
            {
                TableName = _tableName,
                Item = LedgerItems.ToItem(record, version + 1),
                ConditionExpression = "#v = :v",
                ExpressionAttributeNames = new() { ["#v"] = LedgerItems.Version },
                ExpressionAttributeValues = new() { [":v"] = new AttributeValue { N = version.ToString(CultureInfo.InvariantCulture) } },
            },
    };

    /// <summary>ADD the slot to the global and the group set, each only while below its cap: no read, no overwrite.</summary>
    private IEnumerable<TransactWriteItem> TakeSlot(string groupName, string slot, InFlightLimits limits) =>
    [
        SetChange(LedgerTable.CoordinationKey, "ADD", LedgerTable.SlotsAttribute, [slot], limits.Global),
        SetChange(LedgerTable.GroupSlotsKey(groupName), "ADD", LedgerTable.SlotsAttribute, [slot], limits.PerGroup),
    ];

    private IEnumerable<TransactWriteItem> ReleaseSlot(string key, IReadOnlySet<string> slots, string instanceId)
    {
        List<string> mine = slots.Where(e => LedgerSlots.InstanceOf(e) == instanceId).ToList();
        return mine.Count == 0 ? [] : [SetChange(key, "DELETE", LedgerTable.SlotsAttribute, mine, null)];
    }

    private TransactWriteItem SetChange(string key, string verb, string attribute, string element, int? cap) =>
        SetChange(key, verb, attribute, [element], cap);

    private TransactWriteItem SetChange(string key, string verb, string attribute, List<string> elements, int? cap)
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
                TableName = _tableName,
                Key = LedgerItems.Key(key),
                UpdateExpression = $"{verb} #s :e",
                ConditionExpression = condition,
                ExpressionAttributeNames = new() { ["#s"] = attribute },
                ExpressionAttributeValues = values,
            },
        };
    }

    /// <summary>Runs the transaction; the first item is always the record, the ones with a cap are slot sets.</summary>
    private async Task<WriteResult> TransactAsync(List<TransactWriteItem> items, CancellationToken cancellationToken)
    {
        try
        {
            // One token per attempt, kept across the SDK's own retries: a retry of a transaction that was applied but
            // whose answer was lost succeeds instead of failing on its own record (DynamoDB honours it for 10 minutes).
            var request = new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = Guid.NewGuid().ToString("N") };
            await Guard(() => _client.TransactWriteItemsAsync(request, cancellationToken));
            return WriteResult.Written;
        }
        catch (TransactionCanceledException ex)
        {
            List<CancellationReason> reasons = ex.CancellationReasons ?? [];
            if (reasons.Count > 0 && reasons[0].Code == ConditionalCheckFailed)
            {
                return WriteResult.RecordConflict;
            }

            for (int i = 1; i < reasons.Count && i < items.Count; i++)
            {
                if (reasons[i].Code == ConditionalCheckFailed && items[i].Update?.ConditionExpression is not null)
                {
                    return WriteResult.Full;
                }
            }

            // TransactionConflict (a concurrent transaction on the same item) or no reasons given: retry.
            return WriteResult.Retry;
        }
    }

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

    /// <summary>
    /// Before a retry after a lost race: a full-jitter wait (up to 10 ms doubled per attempt, at most 320 ms), so that
    /// concurrent writers spread out instead of colliding again at once.
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
