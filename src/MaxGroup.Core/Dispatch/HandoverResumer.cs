using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Volume;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// Restarts the steps of a hand-over whose run may have died halfway, so that finishing it never depends on AWS
/// delivering anything again. A redelivered warning restarts every outstanding step (each waits out a holder's lease
/// once and takes over only from a dead run); a state change and the sweep restart only stalled steps (Pending for
/// longer than a lease, or Running with a lapsed lease). The data volume is kept again first.
/// </summary>
public sealed class HandoverResumer(
    IInstanceInventory inventory, IGroupConfigSource configs, ILedger ledger, StepStarter starter, DataVolumeGuard? guard, TimeProvider clock, IMetrics metrics, ILogger logger)
{
    /// <summary>
    /// Restarts <paramref name="record"/>'s outstanding steps (only the stalled ones with <paramref name="stalledOnly"/>);
    /// returns the steps started. <paramref name="facts"/>: the instance as just described, when the caller has it.
    /// </summary>
    public async Task<IReadOnlyList<string>> ResumeAsync(InterruptionRecord record, InstanceFacts? facts, bool stalledOnly, string why, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Status != InterruptionStatus.Active)
        {
            return [];
        }

        List<string> steps = (stalledOnly
            ? LedgerRules.StalledSteps(record, clock.GetUtcNow(), StepLeases.Lease)
            : record.Steps.Where(s => s.IsOutstanding)).Select(s => s.Name).ToList();
        if (steps.Count == 0)
        {
            return [];
        }

        facts ??= await inventory.DescribeInstanceAsync(record.InstanceId, cancellationToken) ?? Vanished(record);
        GroupConfigLookup lookup = await configs.GetAsync(record.GroupName, cancellationToken);
        if (!lookup.Managed || lookup.Config is null)
        {
            await starter.SkipAllAsync(record, $"group is no longer managed: {lookup.Reason}", cancellationToken);
            return [];
        }

        if (guard is not null && !record.DryRun && steps.Contains(StepNames.Volume))
        {
            // The run that died may have died before the dispatcher's own guard call took effect.
            await guard.KeepAsync(facts, lookup.Config, cancellationToken);
        }

        logger.LogWarning("Resuming {Steps} of the hand-over of {InstanceId} ({Why})", string.Join(", ", steps), record.InstanceId, why);
        metrics.Record("HandoversResumed", 1, MetricUnit.Count);
        // A resumed step starts as on the trigger that opened the hand-over (the volume step prepares the move), marked as a resume.
        await starter.StartAsync(record, steps, facts, lookup.Config, record.Trigger, cancellationToken, resume: true);
        return steps;
    }

    /// <summary>
    /// The sweep's pass: every active hand-over with stalled steps is resumed. Returns the instances resumed and whether
    /// any hand-over is still open before its reclaim time (the sweep keeps watching while one is).
    /// </summary>
    public async Task<(IReadOnlyList<string> Resumed, bool Open)> ResumeStalledAsync(CancellationToken cancellationToken, Func<string, bool>? skip = null)
    {
        var resumed = new List<string>();
        bool open = false;
        DateTimeOffset now = clock.GetUtcNow();
        foreach (InterruptionRecord record in await ledger.ListActiveAsync(cancellationToken))
        {
            open |= record.ReclaimAt > now && record.Steps.Any(s => s.IsOutstanding);
            if (skip?.Invoke(record.InstanceId) == true)
            {
                continue;
            }

            try
            {
                if ((await ResumeAsync(record, null, stalledOnly: true, "the sweep found its steps stalled", cancellationToken)).Count > 0)
                {
                    resumed.Add(record.InstanceId);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One hand-over's trouble must not keep the sweep from the others; the next pass tries again.
                logger.LogError(ex, "Could not resume the hand-over of {InstanceId}", record.InstanceId);
            }
        }

        return (resumed, open);
    }

    /// <summary>
    /// The sweep: <see cref="ResumeStalledAsync"/>, and for <paramref name="watch"/> (in Lambda) again every
    /// <paramref name="interval"/> while a hand-over is open, so a run that died is taken over within about a lease plus
    /// that interval, not at the next schedule. Never throws: the next sweep tries again. Returns the instances resumed.
    /// </summary>
    public async Task<IReadOnlyList<string>> WatchAsync(TimeSpan watch, TimeSpan interval, CancellationToken cancellationToken)
    {
        var resumed = new List<string>();
        // A resume just sent needs a moment to start (an asynchronous Invoke, a cold start): the same hand-over is not
        // resumed again by this watch until a lease has passed.
        var resumedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        DateTimeOffset watchUntil = clock.GetUtcNow() + watch;
        try
        {
            while (true)
            {
                (IReadOnlyList<string> now, bool open) = await ResumeStalledAsync(
                    cancellationToken, id => resumedAt.TryGetValue(id, out DateTimeOffset at) && at + StepLeases.Lease > clock.GetUtcNow());
                foreach (string id in now)
                {
                    resumedAt[id] = clock.GetUtcNow();
                    if (!resumed.Contains(id))
                    {
                        resumed.Add(id);
                    }
                }

                if (!open || clock.GetUtcNow() + interval > watchUntil)
                {
                    return resumed;
                }

                await Task.Delay(interval, clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return resumed;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not resume stalled hand-overs; the next sweep tries again");
            return resumed;
        }
    }

    /// <summary>An instance EC2 no longer lists: what the ledger knows of it (the steps skip what needs more).</summary>
    private static InstanceFacts Vanished(InterruptionRecord record) => new()
    {
        InstanceId = record.InstanceId,
        GroupName = record.GroupName,
        AvailabilityZone = "",
        InstanceType = "",
        State = "terminated",
    };
}
