using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Ledger;

/// <summary>
/// A ledger held in memory with the same conditional semantics as the DynamoDB one. For the CLI without a table
/// and for tests; one lock makes every operation atomic.
/// </summary>
public sealed class InMemoryLedger : ILedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, InterruptionRecord> _records = new(StringComparer.Ordinal);
    private readonly InFlightSlots _slots = new();
    private readonly Dictionary<string, string> _successorClaims = new(StringComparer.Ordinal);

    public Task<bool> TryClaimSuccessorAsync(string successorInstanceId, string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_successorClaims.TryAdd(successorInstanceId, instanceId) || _successorClaims[successorInstanceId] == instanceId);
        }
    }

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken) =>
        TryBeginInterruptionAsync(record, limits, now, null, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, CancellationToken cancellationToken) =>
        TryBeginInterruptionAsync(record, limits, now, claimStep, null, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, string? pendingClaim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            if (_records.TryGetValue(record.InstanceId, out InterruptionRecord? existing))
            {
                InterruptionRecord seen = LedgerRules.AddEventIds(existing, record.EventIds);
                _records[record.InstanceId] = seen;
                return Task.FromResult(new BeginResult(BeginOutcome.AlreadyHandled, seen));
            }

            _slots.PruneExpired(now);
            InterruptionRecord stored;
            if (_slots.HasRoomFor(record.GroupName, limits))
            {
                _slots.Activate(record.InstanceId, record.GroupName, record.ReclaimAt, now);
                stored = LedgerRules.Activate(record, claimStep, now, pendingClaim);
            }
            else
            {
                _slots.Enqueue(record.InstanceId, record.GroupName, now);
                stored = record with { Status = InterruptionStatus.Queued };
            }

            _records[record.InstanceId] = stored;
            return Task.FromResult(new BeginResult(stored.Status == InterruptionStatus.Active ? BeginOutcome.Started : BeginOutcome.Queued, stored));
        }
    }

    public Task<bool> TryConsumeStepClaimAsync(string instanceId, string step, string claim, string runId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record))
            {
                return Task.FromResult(false);
            }

            (bool consumed, InterruptionRecord? updated) = LedgerRules.ConsumeClaim(record, step, claim, runId);
            if (updated is not null)
            {
                _records[instanceId] = updated;
            }

            return Task.FromResult(consumed);
        }
    }

    public Task<InterruptionRecord?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_records.GetValueOrDefault(instanceId));
        }
    }

    public Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        TryStartStepAsync(instanceId, step, now, lease, claim: null, cancellationToken);

    public Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, string? claim, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record))
            {
                return Task.FromResult(StepStart.NoInterruption);
            }

            (StepStart decision, InterruptionRecord? updated) = LedgerRules.StartStep(record, step, now, lease, claim);
            if (updated is not null)
            {
                _records[instanceId] = updated;
            }

            return Task.FromResult(decision);
        }
    }

    public Task<InterruptionRecord?> RecordStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record))
            {
                return Task.FromResult<InterruptionRecord?>(null);
            }

            InterruptionRecord updated = LedgerRules.EndStep(record, step, outcome, now);
            _records[instanceId] = updated;
            return Task.FromResult<InterruptionRecord?>(updated);
        }
    }

    public Task<(bool Recorded, InterruptionRecord? Record)> RecordHeldStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, StepHold hold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record))
            {
                return Task.FromResult<(bool, InterruptionRecord?)>((false, null));
            }

            InterruptionRecord? updated = LedgerRules.EndHeldStep(record, step, outcome, now, hold);
            if (updated is null)
            {
                return Task.FromResult<(bool, InterruptionRecord?)>((false, record));
            }

            _records[instanceId] = updated;
            return Task.FromResult<(bool, InterruptionRecord?)>((true, updated));
        }
    }

    public Task<bool> TryRenewStepLeaseAsync(string instanceId, string step, StepHold hold, DateTimeOffset until, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record))
            {
                return Task.FromResult(false);
            }

            (bool held, InterruptionRecord? updated) = LedgerRules.RenewLease(record, step, hold, until);
            if (updated is not null)
            {
                _records[instanceId] = updated;
            }

            return Task.FromResult(held);
        }
    }

    public Task<IReadOnlyList<InterruptionRecord>> ListActiveAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<InterruptionRecord> active = _records.Values.Where(r => r.Status == InterruptionStatus.Active).OrderBy(r => r.ReclaimAt).ToList();
            return Task.FromResult(active);
        }
    }

    public Task SetSuccessorAsync(string instanceId, string successorInstanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Update(instanceId, r => LedgerRules.SetSuccessor(r, successorInstanceId, now));

    public Task SetVolumeAsync(string instanceId, string volumeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Update(instanceId, r => LedgerRules.SetVolume(r, volumeId, now));

    public Task SetProgressAsync(string instanceId, string key, string value, CancellationToken cancellationToken) =>
        Update(instanceId, r => LedgerRules.SetProgress(r, key, value));

    public Task<bool> TryCompleteInterruptionAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record) || record.Status != InterruptionStatus.Active)
            {
                return Task.FromResult(false);
            }

            _records[instanceId] = LedgerRules.Complete(record, now);
            _slots.Release(instanceId);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<QueuedInterruption>> ListQueuedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_slots.QueueInOrder());
        }
    }

    public Task<bool> TryPromoteQueuedAsync(string instanceId, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record) || record.Status != InterruptionStatus.Queued)
            {
                return Task.FromResult(false);
            }

            _slots.PruneExpired(now);
            if (!_slots.HasRoomFor(record.GroupName, limits))
            {
                return Task.FromResult(false);
            }

            _slots.Activate(instanceId, record.GroupName, record.ReclaimAt, now);
            _records[instanceId] = LedgerRules.Promote(record, now);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<InterruptionRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<InterruptionRecord> recent = _records.Values.OrderByDescending(r => r.WarningTime).Take(limit).ToList();
            return Task.FromResult(recent);
        }
    }

    private Task Update(string instanceId, Func<InterruptionRecord, InterruptionRecord> change)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(instanceId, out InterruptionRecord? record))
            {
                _records[instanceId] = change(record);
            }
        }

        return Task.CompletedTask;
    }
}
