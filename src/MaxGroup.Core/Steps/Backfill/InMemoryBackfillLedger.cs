using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Backfill;

/// <summary>The backfill ledger in memory, with the DynamoDB version's semantics (CLI without a table, tests).</summary>
public sealed class InMemoryBackfillLedger : IBackfillLedger
{
    private readonly Dictionary<(string, string), BackfillRecord> _records = [];
    private readonly Lock _gate = new();

    public Task<BackfillRecord?> GetAsync(string groupName, string activityId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_records.GetValueOrDefault((groupName, activityId)));
        }
    }

    public Task<(bool Claimed, BackfillRecord Record)> TryClaimAsync(BackfillRecord claim, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        lock (_gate)
        {
            (string, string) key = (claim.GroupName, claim.ActivityId);
            if (_records.TryGetValue(key, out BackfillRecord? existing) && !BackfillRules.CanTakeOver(existing, now))
            {
                return Task.FromResult((false, existing));
            }

            BackfillRecord record = existing is null ? claim : claim with
            {
                SuccessorInstanceId = existing.SuccessorInstanceId,
                DesiredBefore = existing.DesiredBefore,
                MaxRaisedFrom = existing.MaxRaisedFrom,
            };
            _records[key] = record;
            return Task.FromResult((true, record));
        }
    }

    public Task SaveProgressAsync(BackfillRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        Update(record.GroupName, record.ActivityId, r => r with
        {
            SuccessorInstanceId = record.SuccessorInstanceId,
            DesiredBefore = record.DesiredBefore,
            MaxRaisedFrom = record.MaxRaisedFrom,
        });
        return Task.CompletedTask;
    }

    public Task FinishAsync(string groupName, string activityId, string outcome, string reason, CancellationToken cancellationToken)
    {
        Update(groupName, activityId, r => r with { Status = BackfillStatus.Done, Outcome = outcome, Reason = reason });
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string groupName, string activityId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Update(groupName, activityId, r => r.Status == BackfillStatus.Claimed ? r with { LeaseUntil = now } : r);
        return Task.CompletedTask;
    }

    private void Update(string groupName, string activityId, Func<BackfillRecord, BackfillRecord> change)
    {
        lock (_gate)
        {
            if (_records.TryGetValue((groupName, activityId), out BackfillRecord? record))
            {
                _records[(groupName, activityId)] = change(record);
            }
        }
    }
}
