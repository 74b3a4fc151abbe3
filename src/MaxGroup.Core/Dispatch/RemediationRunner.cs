using System.Collections.Concurrent;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Remediation;
using MaxGroup.Core.Time;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// Runs one remediation step for one request with the ledger around it: a step already done is not redone, a
/// step running elsewhere is not started twice, the outcome is recorded, and the interruption's slot is released
/// (and queued interruptions resumed) when its last step ends.
/// </summary>
public sealed class RemediationRunner
{
    /// <summary>
    /// A Running step older than this is taken over by a new delivery: its runner died. Longer than any step
    /// may run before reclaim, so a live runner is never doubled.
    /// </summary>
    public static readonly TimeSpan StepLease = TimeSpan.FromMinutes(3);

    private readonly ILedger _ledger;
    private readonly TimeProvider _clock;
    private readonly IMetrics _metrics;
    private readonly ILogger _logger;
    private readonly IQueuedInterruptionResumer? _resumer;
    private readonly ConcurrentDictionary<(string InstanceId, string Step, DateTimeOffset ClaimedAt), byte> _honouredClaims = new();

    /// <summary>
    /// Trust a claim that carries no token (<see cref="RemediationRequest.StepClaim"/>): only where the dispatcher runs the
    /// step in the same process (`--inline`). A function invoked through Lambda sets it false, so a request can run as
    /// the first run only by consuming a token in the ledger.
    /// </summary>
    public bool HonoursUntokenedClaims { get; init; } = true;

    public RemediationRunner(ILedger ledger, TimeProvider clock, IMetrics metrics, ILogger logger, IQueuedInterruptionResumer? resumer = null)
    {
        _ledger = ledger;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _resumer = resumer;
    }

    /// <summary>
    /// Runs <paramref name="step"/>. <paramref name="cancellationToken"/> is the caller's own deadline (the Lambda
    /// invocation's); the step's token also fires at the reclaim time.
    /// </summary>
    public async Task<StepOutcome> RunAsync(IRemediationStep step, RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(request);
        string instanceId = request.Instance.InstanceId;
        StepStart start;
        if (request.StepClaimedAt is { } claimedAt && claimedAt + StepLease > _clock.GetUtcNow() && await TakeBeginClaimAsync(step.Name, request, cancellationToken))
        {
            // The dispatcher's begin created the interruption with this step Running for this very request, and this
            // delivery is the one that holds it: starting it again would cost a round trip and find it running.
            start = StepStart.Started;
        }
        else
        {
            // A stale or already taken claim is an ordinary (re)start: the step must not assume it is the first run.
            request = request.StepClaimedAt is null && request.StepClaim is null ? request : request with { StepClaimedAt = null, StepClaim = null };
            // A fresh token per run: a retried write recognises itself, while a second delivery of the same request
            // (Lambda's at-least-once) holds another token and finds the step running.
            string claim = Guid.NewGuid().ToString("N");
            start = await _ledger.TryStartStepAsync(instanceId, step.Name, _clock.GetUtcNow(), StepLease, claim, cancellationToken);
        }

        switch (start)
        {
            case StepStart.AlreadyComplete:
                _logger.LogInformation("Step {Step} for {InstanceId} is already complete: not redone", step.Name, instanceId);
                return StepOutcome.NoOp("already complete for this interruption");
            case StepStart.AlreadyRunning:
                _logger.LogInformation("Step {Step} for {InstanceId} is running elsewhere: not started twice", step.Name, instanceId);
                return StepOutcome.NoOp("already running for this interruption");
            case StepStart.NoInterruption:
                _logger.LogWarning("No ledger record for {InstanceId}: step {Step} not run", instanceId, step.Name);
                return StepOutcome.Skipped("no interruption recorded in the ledger for this instance");
        }

        var deadline = new ReclaimDeadline(request.WarningTime, request.ReclaimAt);
        StepOutcome outcome;
        // The reclaim timer runs on the injected clock (tests drive it); the caller's token is linked to it.
        TimeSpan left = deadline.Remaining(_clock);
        using (var reclaimToken = new CancellationTokenSource(left > TimeSpan.Zero ? left : Timeout.InfiniteTimeSpan, _clock))
        using (var stepToken = CancellationTokenSource.CreateLinkedTokenSource(reclaimToken.Token, cancellationToken))
        {
            if (left <= TimeSpan.Zero)
            {
                await reclaimToken.CancelAsync();
            }

            try
            {
                outcome = await step.RunAsync(request, stepToken.Token);
            }
            catch (OperationCanceledException) when (stepToken.IsCancellationRequested)
            {
                outcome = StepOutcome.Skipped(cancellationToken.IsCancellationRequested
                    ? "the function's own time ran out before the step finished"
                    : "reclaim deadline reached before the step finished");
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Step {Step} for {InstanceId} failed", step.Name, instanceId);
                outcome = StepOutcome.Failed($"{ex.GetType().Name}: {ex.Message}");
            }
        }

        if (outcome.Status == StepStatus.Skipped && deadline.HasPassed(_clock))
        {
            _metrics.Record("DeadlineMisses", 1, MetricUnit.Count, new Dictionary<string, string> { ["Step"] = step.Name });
        }

        // The outcome is recorded even when the caller's token fired: the ledger write must not be lost.
        InterruptionRecord? record = await _ledger.RecordStepAsync(instanceId, step.Name, outcome, _clock.GetUtcNow(), CancellationToken.None);
        _logger.LogInformation("Step {Step} for {InstanceId} ended {Status}: {Reason}", step.Name, instanceId, outcome.Status, outcome.Reason);
        if (record is { Status: InterruptionStatus.Active } && record.Steps.All(s => !s.IsOutstanding)
            && await _ledger.TryCompleteInterruptionAsync(instanceId, _clock.GetUtcNow(), CancellationToken.None)
            && _resumer is not null)
        {
            try
            {
                await _resumer.ResumeQueuedAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Could not resume queued interruptions after {InstanceId} finished", instanceId);
            }
        }

        return outcome;
    }

    /// <summary>
    /// Whether this delivery holds the begin's claim. With a token (Lambda): the ledger's one conditional consume decides,
    /// so of two deliveries of one invocation exactly one wins. Without (in-process, where a request is delivered exactly
    /// once): honoured once per process, and only when <see cref="HonoursUntokenedClaims"/>.
    /// </summary>
    private async Task<bool> TakeBeginClaimAsync(string stepName, RemediationRequest request, CancellationToken cancellationToken)
    {
        string instanceId = request.Instance.InstanceId;
        if (request.StepClaim is { Length: > 0 } token)
        {
            // A fresh id per run: the SDK's retry of this one write, whose first answer was lost, recognises it as its own.
            string runId = Guid.NewGuid().ToString("N");
            return await _ledger.TryConsumeStepClaimAsync(instanceId, stepName, token, runId, cancellationToken);
        }

        return HonoursUntokenedClaims && HonourOnce(instanceId, stepName, request.StepClaimedAt!.Value);
    }

    /// <summary>
    /// A claim is honoured once per process: the same request handed in again (which in-process does not happen) goes
    /// through the ledger's conditional start like any other, so a completed step is still never redone.
    /// </summary>
    private bool HonourOnce(string instanceId, string step, DateTimeOffset claimedAt)
    {
        DateTimeOffset now = _clock.GetUtcNow();
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
