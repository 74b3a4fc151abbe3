using MaxGroup.Core.Remediation;

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

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            if (_records.TryGetValue(record.InstanceId, out InterruptionRecord? existing))
            {
                InterruptionRecord seen = existing with { EventIds = existing.EventIds.Union(record.EventIds).ToList() };
                _records[record.InstanceId] = seen;
                return Task.FromResult(new BeginResult(BeginOutcome.AlreadyHandled, seen));
            }

            _slots.PruneExpired(now);
            InterruptionRecord stored;
            if (_slots.HasRoomFor(record.GroupName, limits))
            {
                _slots.Activate(record.InstanceId, record.GroupName, record.ReclaimAt, now);
                stored = record with { Status = InterruptionStatus.Active };
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

    public Task<InterruptionRecord?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_records.GetValueOrDefault(instanceId));
        }
    }

    public Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record))
            {
                return Task.FromResult(StepStart.NoInterruption);
            }

            StepRecord? current = record.FindStep(step);
            if (current is { IsComplete: true })
            {
                return Task.FromResult(StepStart.AlreadyComplete);
            }

            if (current is { Status: StepStatus.Running, StartedAt: { } started } && started + lease > now)
            {
                return Task.FromResult(StepStart.AlreadyRunning);
            }

            var running = new StepRecord { Name = step, Status = StepStatus.Running, StartedAt = now };
            _records[instanceId] = record with
            {
                Steps = Replace(record.Steps, running),
                Timeline = [.. record.Timeline, new TimelineEntry(now, step, "running")],
            };
            return Task.FromResult(StepStart.Started);
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

            StepRecord? current = record.FindStep(step);
            var ended = new StepRecord
            {
                Name = step,
                Status = outcome.Status,
                StartedAt = current?.StartedAt,
                FinishedAt = now,
                Reason = outcome.Reason,
                Details = outcome.Details,
            };
            InterruptionRecord updated = record with
            {
                Steps = Replace(record.Steps, ended),
                Timeline = [.. record.Timeline, new TimelineEntry(now, step, LedgerText.Status(outcome.Status), outcome.Reason)],
            };
            _records[instanceId] = updated;
            return Task.FromResult<InterruptionRecord?>(updated);
        }
    }

    public Task SetSuccessorAsync(string instanceId, string successorInstanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Update(instanceId, r => r with
        {
            SuccessorInstanceId = successorInstanceId,
            Timeline = [.. r.Timeline, new TimelineEntry(now, StepNames.Replace, "successor", successorInstanceId)],
        });

    public Task SetVolumeAsync(string instanceId, string volumeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Update(instanceId, r => r with { VolumeId = volumeId });

    public Task SetProgressAsync(string instanceId, string key, string value, CancellationToken cancellationToken) =>
        Update(instanceId, r => r with { Progress = new Dictionary<string, string>(r.Progress) { [key] = value } });

    public Task<bool> TryCompleteInterruptionAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(instanceId, out InterruptionRecord? record) || record.Status != InterruptionStatus.Active)
            {
                return Task.FromResult(false);
            }

            _records[instanceId] = record with
            {
                Status = InterruptionStatus.Done,
                Timeline = [.. record.Timeline, new TimelineEntry(now, "interruption", "done")],
            };
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
            _records[instanceId] = record with
            {
                Status = InterruptionStatus.Active,
                Timeline = [.. record.Timeline, new TimelineEntry(now, "interruption", "dequeued")],
            };
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

    private static List<StepRecord> Replace(IReadOnlyList<StepRecord> steps, StepRecord step)
    {
        var list = steps.Where(s => s.Name != step.Name).ToList();
        int index = steps.ToList().FindIndex(s => s.Name == step.Name);
        list.Insert(index < 0 ? list.Count : index, step);
        return list;
    }
}
