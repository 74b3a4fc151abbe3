using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ledger;

/// <summary>
/// The changes a ledger makes to a record, as pure functions. Every ledger (in memory, DynamoDB) applies these
/// and stores the result atomically, so their semantics cannot drift apart.
/// </summary>
public static class LedgerRules
{
    public static InterruptionRecord AddEventIds(InterruptionRecord record, IEnumerable<string> eventIds)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with { EventIds = record.EventIds.Union(eventIds, StringComparer.Ordinal).ToList() };
    }

    /// <summary>
    /// The record as it starts holding a slot: Active, and <paramref name="claimStep"/> (when it names a Pending step)
    /// Running since <paramref name="now"/>, so that the begin and the step's start are one write; with
    /// <paramref name="pendingClaim"/> the step holds it as its unconsumed claim (see <see cref="ConsumeClaim"/>).
    /// </summary>
    public static InterruptionRecord Activate(InterruptionRecord record, string? claimStep, DateTimeOffset now, string? pendingClaim = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        InterruptionRecord active = record with { Status = InterruptionStatus.Active };
        if (claimStep is null || active.FindStep(claimStep) is not { Status: StepStatus.Pending })
        {
            return active;
        }

        // The begin's claim lives one lease like any other: if the run it was made for never starts (the dispatcher
        // died before the Invoke, the function before its first renewal), a redelivery or the sweep takes the step over.
        var running = new StepRecord
        {
            Name = claimStep,
            Status = StepStatus.Running,
            StartedAt = now,
            LeaseUntil = now + StepLeases.Lease,
            PendingClaim = pendingClaim,
        };
        return active with
        {
            Steps = ReplaceStep(active.Steps, running),
            Timeline = [.. active.Timeline, new TimelineEntry(now, claimStep, "running")],
        };
    }

    /// <summary>The record with the step Running, or the reason it must not start (null record).</summary>
    public static (StepStart Decision, InterruptionRecord? Updated) StartStep(InterruptionRecord record, string step, DateTimeOffset now, TimeSpan lease, string? claim = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        StepRecord? current = record.FindStep(step);
        if (current is { IsComplete: true })
        {
            return (StepStart.AlreadyComplete, null);
        }

        if (current is { Status: StepStatus.Running } && current.LeaseEnd(lease) > now)
        {
            return claim is not null && current.Claim == claim ? (StepStart.Started, null) : (StepStart.AlreadyRunning, null);
        }

        var running = new StepRecord { Name = step, Status = StepStatus.Running, StartedAt = now, LeaseUntil = now + lease, Claim = claim };
        // A Running step whose lease lapsed belonged to a run that died: say so on the timeline.
        string? why = current is { Status: StepStatus.Running } ? "taken over: the previous run's lease had expired" : null;
        return (StepStart.Started, record with
        {
            Steps = ReplaceStep(record.Steps, running),
            Timeline = [.. record.Timeline, new TimelineEntry(now, step, "running", why)],
        });
    }

    /// <summary>
    /// Extends the lease of a step <paramref name="hold"/> still holds to <paramref name="until"/>. Not held (taken over,
    /// ended elsewhere): false, and the record is unchanged. Held with a lease already as long: true, no write (null).
    /// </summary>
    public static (bool Held, InterruptionRecord? Updated) RenewLease(InterruptionRecord record, string step, StepHold hold, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(record);
        StepRecord? current = record.FindStep(step);
        if (current is null || !current.IsHeldBy(hold))
        {
            return (false, null);
        }

        return current.LeaseUntil >= until
            ? (true, null)
            : (true, record with { Steps = ReplaceStep(record.Steps, current with { LeaseUntil = until }) });
    }

    /// <summary>
    /// <see cref="EndStep"/> for the run that holds the step: a run that lost its hold (another run took the step over
    /// after its lease lapsed, and may have finished it) must not overwrite what that run records. Not held: null.
    /// </summary>
    public static InterruptionRecord? EndHeldStep(InterruptionRecord record, string step, StepOutcome outcome, DateTimeOffset now, StepHold hold)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.FindStep(step) is { } current && current.IsHeldBy(hold) ? EndStep(record, step, outcome, now) : null;
    }

    /// <summary>
    /// The steps of an active interruption that no live run holds: Pending since longer than a lease (the start that
    /// should have claimed them never came), or Running with a lapsed lease (the run died).
    /// </summary>
    public static IReadOnlyList<StepRecord> StalledSteps(InterruptionRecord record, DateTimeOffset now, TimeSpan lease)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Status != InterruptionStatus.Active)
        {
            return [];
        }

        return record.Steps.Where(s => s.Status switch
        {
            StepStatus.Pending => record.CreatedAt + lease <= now,
            StepStatus.Running => s.LeaseEnd(lease) <= now,
            _ => false,
        }).ToList();
    }

    /// <summary>
    /// Consumes the step's pending claim <paramref name="claim"/> for run <paramref name="runId"/>. Consumed: true, with the
    /// changed record (null when <paramref name="runId"/> had consumed it already: its own earlier write). Not consumed
    /// (another delivery took it, the step ended or was taken over): false.
    /// </summary>
    public static (bool Consumed, InterruptionRecord? Updated) ConsumeClaim(InterruptionRecord record, string step, string claim, string runId)
    {
        ArgumentNullException.ThrowIfNull(record);
        StepRecord? current = record.FindStep(step);
        if (current is null)
        {
            return (false, null);
        }

        if (current.PendingClaim is not null && current.PendingClaim == claim)
        {
            return (true, record with { Steps = ReplaceStep(record.Steps, current with { PendingClaim = null, ClaimConsumedBy = runId }) });
        }

        return (current.ClaimConsumedBy is not null && current.ClaimConsumedBy == runId, null);
    }

    public static InterruptionRecord EndStep(InterruptionRecord record, string step, StepOutcome outcome, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(outcome);
        var ended = new StepRecord
        {
            Name = step,
            Status = outcome.Status,
            StartedAt = record.FindStep(step)?.StartedAt,
            FinishedAt = now,
            Reason = outcome.Reason,
            Details = outcome.Details,
        };
        return record with
        {
            Steps = ReplaceStep(record.Steps, ended),
            Timeline = [.. record.Timeline, new TimelineEntry(now, step, LedgerText.Status(outcome.Status), outcome.Reason)],
        };
    }

    public static InterruptionRecord SetSuccessor(InterruptionRecord record, string successorInstanceId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.SuccessorInstanceId == successorInstanceId
            ? record
            : record with
            {
                SuccessorInstanceId = successorInstanceId,
                Timeline = [.. record.Timeline, new TimelineEntry(now, StepNames.Replace, "successor", successorInstanceId)],
            };
    }

    public static InterruptionRecord SetVolume(InterruptionRecord record, string volumeId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.VolumeId == volumeId
            ? record
            : record with
            {
                VolumeId = volumeId,
                Timeline = [.. record.Timeline, new TimelineEntry(now, StepNames.Volume, "volume", volumeId)],
            };
    }

    public static InterruptionRecord SetProgress(InterruptionRecord record, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with { Progress = new Dictionary<string, string>(record.Progress, StringComparer.Ordinal) { [key] = value } };
    }

    public static InterruptionRecord Complete(InterruptionRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with
        {
            Status = InterruptionStatus.Done,
            Timeline = [.. record.Timeline, new TimelineEntry(now, "interruption", "done")],
        };
    }

    public static InterruptionRecord Promote(InterruptionRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with
        {
            Status = InterruptionStatus.Active,
            Timeline = [.. record.Timeline, new TimelineEntry(now, "interruption", "dequeued")],
        };
    }

    private static List<StepRecord> ReplaceStep(IReadOnlyList<StepRecord> steps, StepRecord step)
    {
        var list = steps.ToList();
        int index = list.FindIndex(s => s.Name == step.Name);
        if (index < 0)
        {
            list.Add(step);
        }
        else
        {
            list[index] = step;
        }

        return list;
    }
}
