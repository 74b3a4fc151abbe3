using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Prewarm;

/// <summary>The pre-warm ledger in memory, with the DynamoDB version's semantics (CLI without a table, tests).</summary>
public sealed class InMemoryPrewarmLedger : IPrewarmLedger
{
    private readonly Dictionary<string, PrewarmRecord> _records = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<PrewarmRecord?> TryClaimAsync(PrewarmRecord record, DateTimeOffset now, TimeSpan staleClaim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_records.TryGetValue(record.InstanceId, out PrewarmRecord? existing) && !PrewarmRules.CanTakeOver(existing, now, staleClaim))
            {
                return Task.FromResult<PrewarmRecord?>(existing);
            }

            _records[record.InstanceId] = record;
            return Task.FromResult<PrewarmRecord?>(null);
        }
    }

    public Task<PrewarmRecord?> GetAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_records.TryGetValue(instanceId, out PrewarmRecord? record) && record.ExpiresAt > now ? record : null);
        }
    }

    public Task SetSuccessorAsync(string instanceId, string successorInstanceId, CancellationToken cancellationToken)
    {
        Update(instanceId, r => r with { SuccessorInstanceId = successorInstanceId, Status = PrewarmStatus.Launched });
        return Task.CompletedTask;
    }

    public Task SetStatusAsync(string instanceId, PrewarmStatus status, string reason, CancellationToken cancellationToken)
    {
        Update(instanceId, r => r with { Status = status, Reason = reason });
        return Task.CompletedTask;
    }

    public Task ReleaseClaimAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_records.TryGetValue(instanceId, out PrewarmRecord? record) && record.Status == PrewarmStatus.Claimed)
            {
                _records[instanceId] = record with { Status = PrewarmStatus.Released, Reason = "claim given up: no successor launched" };
            }
        }

        return Task.CompletedTask;
    }

    private void Update(string instanceId, Func<PrewarmRecord, PrewarmRecord> change)
    {
        lock (_gate)
        {
            if (_records.TryGetValue(instanceId, out PrewarmRecord? record))
            {
                _records[instanceId] = change(record);
            }
        }
    }
}
