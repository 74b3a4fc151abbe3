using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Runner;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// Starts an interruption's remediation steps (in parallel, through <see cref="IFunctionInvoker"/>): builds each step's
/// request from the ledger record, the instance facts and the group's config, and marks a step whose start failed
/// Failed in the ledger. Used for a new hand-over, a dequeued one and a resumed one alike.
/// </summary>
public sealed class StepStarter(ILedger ledger, IFunctionInvoker invoker, TimeProvider clock, ILogger logger)
{
    /// <summary>Publishes the end of a hand-over whose steps all failed to start or were skipped here; null = no events.</summary>
    public HandoverNotifier? Notifier { get; init; }

    /// <summary>
    /// Starts <paramref name="steps"/> of <paramref name="record"/>; returns the steps whose start failed, with the error.
    /// <paramref name="prepared"/> is what the dispatcher learnt for the first run of the claimed step (replace);
    /// <paramref name="resume"/> marks a restart of a hand-over already begun (<see cref="RemediationRequest.Resume"/>).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> StartAsync(
        InterruptionRecord record,
        IEnumerable<string> steps,
        InstanceFacts facts,
        GroupConfig config,
        HandoverTrigger trigger,
        CancellationToken cancellationToken,
        PreparedStart? prepared = null,
        bool resume = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        var errors = new Dictionary<string, string>();
        IEnumerable<Task> starts = steps.Select(async step =>
        {
            bool replace = step == StepNames.Replace && prepared is not null;
            bool claimed = step == prepared?.ClaimedStep;
            var request = new RemediationRequest
            {
                Step = step,
                EventId = record.FirstEventId,
                InstanceAction = record.InstanceAction,
                WarningTime = record.WarningTime,
                ReclaimAt = record.ReclaimAt,
                Instance = facts,
                Config = config,
                DryRun = record.DryRun,
                Trigger = trigger,
                StepClaimedAt = claimed ? prepared!.ClaimedAt : null,
                StepClaim = claimed ? prepared!.ClaimToken : null,
                Prefetch = replace ? prepared!.Prefetch : null,
                Resume = resume,
                DataVolumeId = record.VolumeId,
            };
            try
            {
                await invoker.StartAsync(request, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Could not start step {Step} for {InstanceId}", step, record.InstanceId);
                lock (errors)
                {
                    errors[step] = ex.Message;
                }
            }
        });
        await Task.WhenAll(starts);

        foreach ((string step, string error) in errors)
        {
            InterruptionRecord? updated = await ledger.RecordStepAsync(
                record.InstanceId, step, StepOutcome.Failed($"could not start: {error}"), clock.GetUtcNow(), cancellationToken);
            await CompleteIfFinishedAsync(updated, cancellationToken);
        }

        return errors;
    }

    /// <summary>
    /// Records <paramref name="steps"/> of <paramref name="record"/> with <paramref name="outcome"/>, never started (NoOp when
    /// there was nothing for them to do, Skipped when they could not be judged); completes the hand-over when that ended it.
    /// </summary>
    public async Task EndUnstartedAsync(InterruptionRecord record, IEnumerable<string> steps, StepOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(outcome);
        InterruptionRecord? updated = record;
        foreach (string step in steps)
        {
            updated = await ledger.RecordStepAsync(record.InstanceId, step, outcome, clock.GetUtcNow(), cancellationToken);
        }

        await CompleteIfFinishedAsync(updated, cancellationToken);
    }

    /// <summary>Skips every outstanding step of <paramref name="record"/> with <paramref name="reason"/> and completes it.</summary>
    public async Task SkipAllAsync(InterruptionRecord record, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        InterruptionRecord? updated = record;
        foreach (StepRecord step in record.Steps.Where(s => s.IsOutstanding))
        {
            updated = await ledger.RecordStepAsync(record.InstanceId, step.Name, StepOutcome.Skipped(reason), clock.GetUtcNow(), cancellationToken);
        }

        await CompleteIfFinishedAsync(updated, cancellationToken);
    }

    private async Task CompleteIfFinishedAsync(InterruptionRecord? record, CancellationToken cancellationToken)
    {
        if (await ledger.CompleteIfAllStepsEndedAsync(record, clock.GetUtcNow(), cancellationToken) && Notifier is not null)
        {
            await Notifier.PublishEndAsync(record!, cancellationToken);
        }
    }
}

/// <summary>What the dispatcher learnt before the begin, handed to the claimed step's first run so it need not learn it again.</summary>
public sealed record PreparedStart(string? ClaimedStep, DateTimeOffset ClaimedAt, string? ClaimToken, ReplacePrefetch Prefetch);
