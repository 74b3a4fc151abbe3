using System.Collections.Concurrent;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Runner;

/// <summary>
/// Runs one remediation step for one request with the ledger around it: a step already done is not redone, a
/// step running elsewhere is not started twice, the outcome is recorded, and the interruption's slot is released
/// (and queued interruptions resumed) when its last step ends.
/// </summary>
public sealed class RemediationRunner(ILedger ledger, TimeProvider clock, IMetrics metrics, ILogger logger, IQueuedInterruptionResumer? resumer = null)
{
    /// <summary>
    /// A Running step whose lease has not been renewed for this long is taken over by a redelivery, a retry or the
    /// sweep: its run died. A live run renews it every <see cref="LeaseRenewInterval"/>, so it is never doubled.
    /// </summary>
    public static readonly TimeSpan StepLease = StepLeases.Lease;

    /// <summary>How often a live run renews its step's lease.</summary>
    public static readonly TimeSpan LeaseRenewInterval = StepLeases.RenewEvery;

    /// <summary>A resumed request waits this long past the holder's lease before it looks again (renewal jitter).</summary>
    private static readonly TimeSpan StandByMargin = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string InstanceId, string Step, DateTimeOffset ClaimedAt), byte> _honouredClaims = new();

    /// <summary>
    /// Trust a claim that carries no token (<see cref="RemediationRequest.StepClaim"/>): only where the dispatcher runs the
    /// step in the same process (`--inline`). A function invoked through Lambda sets it false, so a request can run as
    /// the first run only by consuming a token in the ledger.
    /// </summary>
    public bool HonoursUntokenedClaims { get; init; } = true;

    /// <summary>Publishes the hand-over's end (Completed or Failed) and a missed deadline; null = no events.</summary>
    public HandoverNotifier? Notifier { get; init; }

    /// <summary>
    /// Runs <paramref name="step"/>. <paramref name="cancellationToken"/> is the caller's own deadline (the Lambda
    /// invocation's); the step's token also fires at the reclaim time (for steps that end there), and when the step's
    /// lease is lost to another run.
    /// </summary>
    public async Task<StepOutcome> RunAsync(IRemediationStep step, RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(request);
        string instanceId = request.Instance.InstanceId;
        ReclaimDeadline deadline = request.Deadline;
        (StepStart start, StepHold? hold, request) = await StartAsync(step, request, deadline, cancellationToken);
        switch (start)
        {
            case StepStart.AlreadyComplete:
                logger.LogInformation("Step {Step} for {InstanceId} is already complete: not redone", step.Name, instanceId);
                return StepOutcome.NoOp("already complete for this interruption");
            case StepStart.AlreadyRunning:
                logger.LogInformation("Step {Step} for {InstanceId} is running elsewhere: not started twice", step.Name, instanceId);
                return StepOutcome.NoOp("already running for this interruption");
            case StepStart.NoInterruption:
                logger.LogWarning("No ledger record for {InstanceId}: step {Step} not run", instanceId, step.Name);
                return StepOutcome.Skipped("no interruption recorded in the ledger for this instance");
        }

        StepOutcome outcome;
        // The reclaim timer runs on the injected clock (tests drive it); the caller's token is linked to it.
        TimeSpan? left = step.EndsAtReclaim(request) ? deadline.Remaining(clock) : null;
        using (var reclaimToken = new CancellationTokenSource(left is { } until && until > TimeSpan.Zero ? until : Timeout.InfiniteTimeSpan, clock))
        using (var leaseLost = new CancellationTokenSource())
        using (var stepToken = CancellationTokenSource.CreateLinkedTokenSource(reclaimToken.Token, leaseLost.Token, cancellationToken))
        using (var renewing = new CancellationTokenSource())
        {
            if (left is { } none && none <= TimeSpan.Zero)
            {
                await reclaimToken.CancelAsync();
            }

            Task renewal = RenewLeaseAsync(instanceId, step.Name, hold!, leaseLost, renewing.Token);
            try
            {
                outcome = await step.RunAsync(request, stepToken.Token);
            }
            catch (OperationCanceledException) when (stepToken.IsCancellationRequested)
            {
                outcome = StepOutcome.Skipped(leaseLost.IsCancellationRequested
                    ? "another run took the step over (this run's lease was lost)"
                    : cancellationToken.IsCancellationRequested
                        ? "the function's own time ran out before the step finished"
                        : "reclaim deadline reached before the step finished");
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Step {Step} for {InstanceId} failed", step.Name, instanceId);
                outcome = StepOutcome.Failed($"{ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                await renewing.CancelAsync();
                await renewal;
            }
        }

        bool missed = outcome.Status == StepStatus.Skipped && deadline.HasPassed(clock);
        if (missed)
        {
            metrics.Record("DeadlineMisses", 1, MetricUnit.Count, new Dictionary<string, string> { ["Step"] = step.Name });
        }

        // The outcome is recorded even when the caller's token fired: the ledger write must not be lost. Only while this
        // run still holds the step: a run that took it over records its own outcome, and this one must not overwrite it.
        (bool recorded, InterruptionRecord? record) = await ledger.RecordHeldStepAsync(instanceId, step.Name, outcome, clock.GetUtcNow(), hold!, CancellationToken.None);
        if (!recorded)
        {
            logger.LogWarning("Step {Step} for {InstanceId} was taken over by another run: its outcome stands, not this run's ({Status}: {Reason})",
                step.Name, instanceId, outcome.Status, outcome.Reason);
            return StepOutcome.NoOp($"taken over by another run; this run ended {LedgerText.Status(outcome.Status)}: {outcome.Reason}");
        }

        logger.LogInformation("Step {Step} for {InstanceId} ended {Status}: {Reason}", step.Name, instanceId, outcome.Status, outcome.Reason);
        OutcomeMetrics.RecordStep(metrics, step.Name, request, outcome, clock.GetUtcNow());
        bool completed = await ledger.CompleteIfAllStepsEndedAsync(record, clock.GetUtcNow(), CancellationToken.None);
        if (missed && Notifier is not null)
        {
            await Notifier.PublishAsync(HandoverEventTypes.DeadlineMissed, record!, cancellationToken);
        }

        if (completed)
        {
            OutcomeMetrics.RecordHandover(metrics, record!, clock.GetUtcNow());
            if (Notifier is not null)
            {
                await Notifier.PublishEndAsync(record!, cancellationToken);
            }
        }

        if (completed && resumer is not null)
        {
            try
            {
                await resumer.ResumeQueuedAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not resume queued interruptions after {InstanceId} finished", instanceId);
            }
        }

        return outcome;
    }

    /// <summary>
    /// Takes the step: by the begin's claim when this delivery holds it, else by a conditional start with a fresh claim.
    /// A resumed request that finds a holder waits out its lease once and takes over only if it was not renewed.
    /// </summary>
    private async Task<(StepStart Start, StepHold? Hold, RemediationRequest Request)> StartAsync(
        IRemediationStep step, RemediationRequest request, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        string instanceId = request.Instance.InstanceId;
        if (request.StepClaimedAt is { } claimedAt && claimedAt + StepLease > clock.GetUtcNow()
            && await TakeBeginClaimAsync(step.Name, request, cancellationToken) is { } beginHold)
        {
            // The dispatcher's begin created the interruption with this step Running for this very request, and this
            // delivery is the one that holds it: starting it again would cost a round trip and find it running.
            return (StepStart.Started, beginHold, request);
        }

        // A stale or already taken claim is an ordinary (re)start: the step must not assume it is the first run.
        request = request.StepClaimedAt is null && request.StepClaim is null ? request : request with { StepClaimedAt = null, StepClaim = null };
        // A fresh token per run: a retried write recognises itself, while a second delivery of the same request
        // (Lambda's at-least-once) holds another token and finds the step running.
        string claim = Guid.NewGuid().ToString("N");
        StepStart start = await ledger.TryStartStepAsync(instanceId, step.Name, clock.GetUtcNow(), StepLease, claim, cancellationToken);
        if (start == StepStart.AlreadyRunning && request.Resume)
        {
            start = await StandByAsync(step, request, claim, deadline, cancellationToken);
        }

        return (start, start == StepStart.Started ? StepHold.ForClaim(claim) : null, request);
    }

    /// <summary>
    /// The step is held by a run that may be dead (the process was killed) or alive (a duplicate delivery). Wait until its
    /// lease ends, then try once more: a live run has renewed it (this request leaves it alone), a dead one has not (this
    /// request takes the step over). At most one lease of waiting, never past the reclaim time for steps that end there.
    /// </summary>
    private async Task<StepStart> StandByAsync(IRemediationStep step, RemediationRequest request, string claim, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        string instanceId = request.Instance.InstanceId;
        StepRecord? current = (await ledger.GetAsync(instanceId, cancellationToken))?.FindStep(step.Name);
        if (current is not { Status: StepStatus.Running } || current.LeaseEnd(StepLease) is not { } leaseEnd)
        {
            return await ledger.TryStartStepAsync(instanceId, step.Name, clock.GetUtcNow(), StepLease, claim, cancellationToken);
        }

        DateTimeOffset wakeAt = leaseEnd + StandByMargin;
        TimeSpan wait = wakeAt - clock.GetUtcNow();
        if (wait > StepLease + StandByMargin || (step.EndsAtReclaim(request) && wakeAt >= deadline.ReclaimAt))
        {
            return StepStart.AlreadyRunning;
        }

        logger.LogInformation("Step {Step} for {InstanceId} is held until {LeaseEnd:O}: standing by to take it over if that run is dead", step.Name, instanceId, leaseEnd);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, cancellationToken);
        }

        StepStart again = await ledger.TryStartStepAsync(instanceId, step.Name, clock.GetUtcNow(), StepLease, claim, cancellationToken);
        if (again == StepStart.Started)
        {
            metrics.Record("StepsTakenOver", 1, MetricUnit.Count, new Dictionary<string, string> { ["Step"] = step.Name });
            logger.LogWarning("Step {Step} for {InstanceId} taken over: the run that held it stopped renewing its lease", step.Name, instanceId);
        }

        return again;
    }

    /// <summary>
    /// Renews the step's lease every <see cref="LeaseRenewInterval"/> until <paramref name="stop"/> fires. When the ledger
    /// says the step is no longer this run's, <paramref name="lost"/> is cancelled so the step stops acting. A failed
    /// renewal (the ledger briefly unreachable) is retried at the next interval: two may fail before the lease lapses.
    /// </summary>
    private async Task RenewLeaseAsync(string instanceId, string step, StepHold hold, CancellationTokenSource lost, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(LeaseRenewInterval, clock, stop);
                if (!await ledger.TryRenewStepLeaseAsync(instanceId, step, hold, clock.GetUtcNow() + StepLease, stop))
                {
                    logger.LogWarning("Step {Step} for {InstanceId}: the lease is no longer this run's; stopping", step, instanceId);
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not renew the lease of step {Step} for {InstanceId}; trying again", step, instanceId);
            }
        }
    }

    /// <summary>
    /// Whether this delivery holds the begin's claim, and as whom. With a token (Lambda): the ledger's one conditional
    /// consume decides, so of two deliveries of one invocation exactly one wins. Without (in-process, where a request is
    /// delivered exactly once): honoured once per process, and only when <see cref="HonoursUntokenedClaims"/>.
    /// </summary>
    private async Task<StepHold?> TakeBeginClaimAsync(string stepName, RemediationRequest request, CancellationToken cancellationToken)
    {
        string instanceId = request.Instance.InstanceId;
        if (request.StepClaim is { Length: > 0 } token)
        {
            // A fresh id per run: the SDK's retry of this one write, whose first answer was lost, recognises it as its own.
            string runId = Guid.NewGuid().ToString("N");
            return await ledger.TryConsumeStepClaimAsync(instanceId, stepName, token, runId, cancellationToken) ? StepHold.ForConsumer(runId) : null;
        }

        return HonoursUntokenedClaims && HonourOnce(instanceId, stepName, request.StepClaimedAt!.Value) ? StepHold.Begin : null;
    }

    /// <summary>
    /// A claim is honoured once per process: the same request handed in again (which in-process does not happen) goes
    /// through the ledger's conditional start like any other, so a completed step is still never redone.
    /// </summary>
    private bool HonourOnce(string instanceId, string step, DateTimeOffset claimedAt)
    {
        DateTimeOffset now = clock.GetUtcNow();
        if (_honouredClaims.Count > 1024)
        {
            foreach ((string, string, DateTimeOffset) stale in _honouredClaims.Keys.Where(k => k.Item3 + StepLease <= now).ToList())
            {
                _honouredClaims.TryRemove(stale, out _);
            }
        }

        return _honouredClaims.TryAdd((instanceId, step, claimedAt), 0);
    }
}
