using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Model;

namespace MaxGroup.Aws.Ledger;

/// <summary>The ledger's lists: active interruptions (through the global slot set), the queue, and the recent history (a scan).</summary>
internal sealed class LedgerQueries(LedgerStore store)
{
    /// <summary>The global slot set names every active interruption: one read, then each record (consistent reads).</summary>
    public async Task<IReadOnlyList<InterruptionRecord>> ListActiveAsync(CancellationToken cancellationToken)
    {
        IReadOnlySet<string> slots = await store.ReadSetAsync(LedgerTable.CoordinationKey, LedgerTable.SlotsAttribute, cancellationToken);
        var records = new List<InterruptionRecord>();
        foreach (string instanceId in slots.Select(LedgerSlots.InstanceOf).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if ((await store.ReadAsync(instanceId, cancellationToken))?.Record is { Status: InterruptionStatus.Active } record)
            {
                records.Add(record);
            }
        }

        return records.OrderBy(r => r.ReclaimAt).ToList();
    }

    public async Task<IReadOnlyList<QueuedInterruption>> ListQueuedAsync(CancellationToken cancellationToken) =>
        (await store.ReadSetAsync(LedgerTable.QueueKey, LedgerTable.QueueAttribute, cancellationToken))
            .Select(LedgerSlots.ParseQueueElement)
            .OfType<QueuedInterruption>()
            .OrderBy(q => q.QueuedAt)
            .ThenBy(q => q.InstanceId, StringComparer.Ordinal)
            .ToList();

    public async Task<IReadOnlyList<InterruptionRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken)
    {
        var records = new List<InterruptionRecord>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            ScanResponse page = await LedgerStore.Guard(() => store.Client.ScanAsync(new ScanRequest { TableName = store.TableName, ExclusiveStartKey = startKey }, cancellationToken));
            records.AddRange((page.Items ?? [])
                .Where(i => i.TryGetValue(LedgerTable.PartitionKey, out AttributeValue? k) && !LedgerTable.IsCoordinationKey(k.S)
                    && !k.S.StartsWith(Rebalance.DynamoDbPrewarmLedger.KeyPrefix, StringComparison.Ordinal))
                .Select(i => LedgerItems.FromItem(i).Record));
            startKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return records.OrderByDescending(r => r.WarningTime).Take(limit).ToList();
    }
}
