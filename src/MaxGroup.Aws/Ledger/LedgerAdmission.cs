using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;

namespace MaxGroup.Aws.Ledger;

/// <summary>
/// An interruption's way in and out of the in-flight slots: begin (create the record and take a slot in the global and
/// the group set in ONE transaction, or queue it), promote from the queue, complete (release the slots). Slot sets are
/// changed with ADD/DELETE under a size condition, never rewritten from a read, so concurrent begins only conflict and
/// retry; expired slots are pruned by whoever finds a set full.
/// </summary>
internal sealed class LedgerAdmission(LedgerStore store)
{
    public async Task<BeginResult> TryBeginAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, string? pendingClaim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(limits);
        InterruptionRecord active = LedgerRules.Activate(record, claimStep, now, pendingClaim);
        string slot = LedgerSlots.SlotElement(record.InstanceId, record.ReclaimAt, now);
        for (int attempt = 0; attempt < LedgerStore.MaxAttempts; attempt++)
        {
            await LedgerStore.BackOffAsync(attempt, cancellationToken);
            LedgerWriteResult taken = await store.TransactAsync(
                [store.PutRecord(active, 0), .. TakeSlot(record.GroupName, slot, limits)], cancellationToken);
            switch (taken)
            {
                case LedgerWriteResult.Written:
                    return new BeginResult(BeginOutcome.Started, active);
                case LedgerWriteResult.RecordConflict:
                    return await AlreadyHandledAsync(record, cancellationToken);
                case LedgerWriteResult.Retry:
                    continue;
            }

            // A cap looks reached: drop expired slots; with room now, try again, else queue.
            if (await PruneAndCheckRoomAsync(record.GroupName, limits, now, cancellationToken))
            {
                continue;
            }

            InterruptionRecord queued = record with { Status = InterruptionStatus.Queued };
            LedgerWriteResult enqueued = await store.TransactAsync(
                [store.PutRecord(queued, 0), store.SetChange(LedgerTable.QueueKey, "ADD", LedgerTable.QueueAttribute, LedgerSlots.QueueElement(record.InstanceId, record.GroupName, now), null)],
                cancellationToken);
            switch (enqueued)
            {
                case LedgerWriteResult.Written:
                    return new BeginResult(BeginOutcome.Queued, queued);
                case LedgerWriteResult.RecordConflict:
                    return await AlreadyHandledAsync(record, cancellationToken);
            }
        }

        throw LedgerStore.Contention(record.InstanceId);
    }

    public async Task<bool> TryCompleteAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < LedgerStore.MaxAttempts; attempt++)
        {
            await LedgerStore.BackOffAsync(attempt, cancellationToken);
            (InterruptionRecord Record, long Version)? found = await store.ReadAsync(instanceId, cancellationToken);
            if (found is not { Record.Status: InterruptionStatus.Active } current)
            {
                return false;
            }

            // The slot's element carries its expiry, so it is looked up rather than recomputed; DELETE of an element
            // that is already gone (pruned) changes nothing.
            string groupKey = LedgerTable.GroupSlotsKey(current.Record.GroupName);
            Task<IReadOnlySet<string>> globalTask = store.ReadSetAsync(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute, cancellationToken);
            IReadOnlySet<string> groupSlots = await store.ReadSetAsync(groupKey, LedgerTable.SlotsAttribute, cancellationToken);
            IReadOnlySet<string> globalSlots = await globalTask;
            var items = new List<TransactWriteItem> { store.PutRecord(LedgerRules.Complete(current.Record, now), current.Version) };
            items.AddRange(ReleaseSlot(LedgerTable.CoordinationKey, globalSlots, instanceId));
            items.AddRange(ReleaseSlot(groupKey, groupSlots, instanceId));
            if (await store.TransactAsync(items, cancellationToken) == LedgerWriteResult.Written)
            {
                return true;
            }
        }

        throw LedgerStore.Contention(instanceId);
    }

    public async Task<bool> TryPromoteQueuedAsync(string instanceId, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        for (int attempt = 0; attempt < LedgerStore.MaxAttempts; attempt++)
        {
            await LedgerStore.BackOffAsync(attempt, cancellationToken);
            Task<IReadOnlySet<string>> queueTask = store.ReadSetAsync(LedgerTable.QueueKey, LedgerTable.QueueAttribute, cancellationToken);
            (InterruptionRecord Record, long Version)? found = await store.ReadAsync(instanceId, cancellationToken);
            IReadOnlySet<string> queue = await queueTask;
            if (found is not { Record.Status: InterruptionStatus.Queued } current)
            {
                return false;
            }

            string slot = LedgerSlots.SlotElement(instanceId, current.Record.ReclaimAt, now);
            var items = new List<TransactWriteItem> { store.PutRecord(LedgerRules.Promote(current.Record, now), current.Version) };
            items.AddRange(TakeSlot(current.Record.GroupName, slot, limits));
            List<string> entries = queue.Where(e => LedgerSlots.ParseQueueElement(e)?.InstanceId == instanceId).ToList();
            if (entries.Count > 0)
            {
                items.Add(store.SetChange(LedgerTable.QueueKey, "DELETE", LedgerTable.QueueAttribute, entries, null));
            }

            switch (await store.TransactAsync(items, cancellationToken))
            {
                case LedgerWriteResult.Written:
                    return true;
                case LedgerWriteResult.Full when !await PruneAndCheckRoomAsync(current.Record.GroupName, limits, now, cancellationToken):
                    return false;
            }
        }

        throw LedgerStore.Contention(instanceId);
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
                UpdateItemResponse updated = await LedgerStore.Guard(() => store.Client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = store.TableName,
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

        return new BeginResult(BeginOutcome.AlreadyHandled, (await store.ReadAsync(record.InstanceId, cancellationToken))?.Record ?? record);
    }

    /// <summary>
    /// Deletes expired slots from the global and the group set (unconditionally: an expired slot is expired for every
    /// writer) and says whether both are below their caps afterwards.
    /// </summary>
    private async Task<bool> PruneAndCheckRoomAsync(string groupName, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string groupKey = LedgerTable.GroupSlotsKey(groupName);
        Task<IReadOnlySet<string>> globalTask = store.ReadSetAsync(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute, cancellationToken);
        IReadOnlySet<string> group = await store.ReadSetAsync(groupKey, LedgerTable.SlotsAttribute, cancellationToken);
        IReadOnlySet<string> global = await globalTask;
        List<string> expiredGlobal = global.Where(e => LedgerSlots.IsExpired(e, now)).ToList();
        List<string> expiredGroup = group.Where(e => LedgerSlots.IsExpired(e, now)).ToList();
        if (expiredGlobal.Count > 0)
        {
            await store.DeleteElementsAsync(LedgerTable.CoordinationKey, expiredGlobal, cancellationToken);
        }

        if (expiredGroup.Count > 0)
        {
            await store.DeleteElementsAsync(groupKey, expiredGroup, cancellationToken);
        }

        return global.Count - expiredGlobal.Count < limits.Global && group.Count - expiredGroup.Count < limits.PerGroup;
    }

    /// <summary>ADD the slot to the global and the group set, each only while below its cap: no read, no overwrite.</summary>
    private IEnumerable<TransactWriteItem> TakeSlot(string groupName, string slot, InFlightLimits limits) =>
    [
        store.SetChange(LedgerTable.CoordinationKey, "ADD", LedgerTable.SlotsAttribute, [slot], limits.Global),
        store.SetChange(LedgerTable.GroupSlotsKey(groupName), "ADD", LedgerTable.SlotsAttribute, [slot], limits.PerGroup),
    ];

    private IEnumerable<TransactWriteItem> ReleaseSlot(string key, IReadOnlySet<string> slots, string instanceId)
    {
        List<string> mine = slots.Where(e => LedgerSlots.InstanceOf(e) == instanceId).ToList();
        return mine.Count == 0 ? [] : [store.SetChange(key, "DELETE", LedgerTable.SlotsAttribute, mine, null)];
    }
}
