using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Lifecycle;

/// <summary>
/// The "lifecycle" step of a hand-over opened by an Auto Scaling terminate lifecycle action: while the steps that need the
/// instance alive (drain, Consul) still run it records heartbeats, each before the hook's heartbeat timeout and never
/// past its global timeout; once they have ended it completes the action, CONTINUE (or ABANDON when a step failed and the
/// group's lifecycle_hook_failure_result says so), once per lifecycle action token: the ledger's claim keeps a second run
/// out, the completion is written to the record's progress, and an action Auto Scaling no longer knows is not completed
/// again. The volume step is not waited for: the volume moves after the instance is gone.
/// </summary>
public sealed class LifecycleHookStep(ILedger ledger, IAutoScalingApi autoScaling, TimeProvider clock, ILogger logger, LifecycleHookOptions? options = null) : IRemediationStep
{
    /// <summary>Progress key of the completion: "CONTINUE" or "ABANDON" and the token, once CompleteLifecycleAction was answered.</summary>
    public const string CompletedProgress = "lifecycle.completed";

    /// <summary>Progress key of the last heartbeat Auto Scaling accepted (ISO 8601), so a resumed run paces from it.</summary>
    public const string HeartbeatProgress = "lifecycle.heartbeat_at";

    private readonly LifecycleHookOptions _options = options ?? new LifecycleHookOptions();

    public string Name => StepNames.Lifecycle;

    /// <summary>The reclaim time of a lifecycle hand-over is the hook's global timeout: after it there is nothing to keep alive.</summary>
    public bool EndsAtReclaim(RemediationRequest request) => true;

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string instanceId = request.Instance.InstanceId;
        InterruptionRecord? record = await ledger.GetAsync(instanceId, cancellationToken);
        if (record?.LifecycleHook is not { } action)
        {
            return StepOutcome.Skipped("no terminate lifecycle action is recorded for this hand-over");
        }

        if (record.Progress.TryGetValue(CompletedProgress, out string? completed))
        {
            return StepOutcome.NoOp($"the lifecycle action was already completed ({completed})");
        }

        return await KeepAliveThenCompleteAsync(instanceId, record, action, request.DryRun, request.Config.LifecycleHookAbandonOnFailure, null, cancellationToken);
    }

    /// <summary>
    /// A terminate lifecycle action for an instance whose hand-over another trigger opened (a Spot or reservation warning,
    /// a Health change whose retirement terminated the instance in its group): the action is kept alive while that
    /// hand-over's steps still need the instance, then completed CONTINUE once per token; at <paramref name="waitUntil"/>
    /// it is completed whatever still runs (the other trigger's reclaim: the instance goes then anyway, and Auto Scaling
    /// would otherwise hold it in Terminating:Wait until the heartbeat timeout). CONTINUE even after a failed step: the
    /// failure belongs to the trigger that opened the hand-over, and the instance leaves either way.
    /// </summary>
    public async Task<StepOutcome> CompleteAdoptedAsync(InterruptionRecord record, LifecycleHookAction action, DateTimeOffset waitUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(action);
        if (record.Progress.TryGetValue(CompletedProgress, out string? completed) && (action.Token is null || completed.EndsWith(" " + action.Token, StringComparison.Ordinal)))
        {
            return StepOutcome.NoOp($"the lifecycle action was already completed ({completed})");
        }

        return await KeepAliveThenCompleteAsync(record.InstanceId, record, action, record.DryRun, false, waitUntil, cancellationToken);
    }

    private async Task<StepOutcome> KeepAliveThenCompleteAsync(
        string instanceId, InterruptionRecord record, LifecycleHookAction action, bool dryRun, bool abandonOnFailure, DateTimeOffset? waitUntil, CancellationToken cancellationToken)
    {
        DateTimeOffset lastBeat = record.Progress.TryGetValue(HeartbeatProgress, out string? beat)
            && DateTimeOffset.TryParse(beat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at) ? at : action.StartedAt;
        int heartbeats = 0;
        while (true)
        {
            List<StepRecord> waitedFor = record.Steps.Where(s => s.Name is not (StepNames.Lifecycle or StepNames.Volume)).ToList();
            DateTimeOffset now = clock.GetUtcNow();
            if (!waitedFor.Any(s => s.IsOutstanding) || now >= waitUntil)
            {
                return await CompleteAsync(instanceId, dryRun, abandonOnFailure, record, action, waitedFor, heartbeats, cancellationToken);
            }

            if (now - lastBeat >= action.HeartbeatTimeout * _options.HeartbeatAt && now < action.GlobalDeadline)
            {
                switch (await HeartbeatAsync(instanceId, dryRun, action, cancellationToken))
                {
                    case true:
                        lastBeat = now;
                        heartbeats++;
                        await ledger.SetProgressAsync(instanceId, HeartbeatProgress, now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), cancellationToken);
                        break;
                    case null:
                        return StepOutcome.NoOp("Auto Scaling no longer has this lifecycle action (completed elsewhere or timed out): nothing to keep alive");
                }
            }

            await Task.Delay(_options.PollInterval, clock, cancellationToken);
            record = await ledger.GetAsync(instanceId, cancellationToken) ?? record;
        }
    }

    /// <summary>True = recorded (or dry run); false = a transient failure (the next poll tries again); null = the action is gone.</summary>
    private async Task<bool?> HeartbeatAsync(string instanceId, bool dryRun, LifecycleHookAction action, CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            logger.LogInformation("Dry run: would record a heartbeat for {Hook} of {InstanceId}", action.HookName, instanceId);
            return true;
        }

        try
        {
            await autoScaling.RecordLifecycleActionHeartbeatAsync(action.GroupName, action.HookName, instanceId, action.Token, cancellationToken);
            logger.LogInformation("Heartbeat recorded for {Hook} of {InstanceId}: kept for {Timeout}", action.HookName, instanceId, action.HeartbeatTimeout);
            return true;
        }
        catch (RemoteApiException ex) when (IsActionGone(ex))
        {
            logger.LogWarning("Auto Scaling has no active lifecycle action {Hook} for {InstanceId}: {Message}", action.HookName, instanceId, ex.Message);
            return null;
        }
        catch (RemoteApiException ex)
        {
            logger.LogWarning(ex, "Heartbeat for {Hook} of {InstanceId} failed; the next poll tries again", action.HookName, instanceId);
            return false;
        }
    }

    private async Task<StepOutcome> CompleteAsync(
        string instanceId, bool dryRun, bool abandonOnFailure, InterruptionRecord record, LifecycleHookAction action, List<StepRecord> waitedFor, int heartbeats, CancellationToken cancellationToken)
    {
        List<StepRecord> failed = waitedFor.Where(s => s.Status == StepStatus.Failed).ToList();
        string result = failed.Count > 0 && abandonOnFailure ? LifecycleHookAction.Abandon : LifecycleHookAction.Continue;
        string steps = waitedFor.Count == 0 ? "no step needed the instance" : string.Join(", ", waitedFor.Select(s => $"{s.Name} {s.Status.ToString().ToLowerInvariant()}"));
        var details = new Dictionary<string, string>
        {
            ["hook"] = action.HookName,
            ["result"] = result,
            ["heartbeats"] = heartbeats.ToString(CultureInfo.InvariantCulture),
        };
        if (dryRun)
        {
            return StepOutcome.NoOp($"dry run: would complete lifecycle action {action.HookName} with {result} ({steps})");
        }

        try
        {
            await autoScaling.CompleteLifecycleActionAsync(action.GroupName, action.HookName, instanceId, action.Token, result, cancellationToken);
        }
        catch (RemoteApiException ex) when (IsActionGone(ex))
        {
            // Completed by an earlier run whose outcome was lost, by someone else, or timed out: never completed twice.
            return StepOutcome.NoOp($"Auto Scaling no longer has lifecycle action {action.HookName} ({ex.Message}); steps: {steps}");
        }

        await ledger.SetProgressAsync(record.InstanceId, CompletedProgress, $"{result} {action.Token}".TrimEnd(), CancellationToken.None);
        string why = failed.Count > 0 ? $"; failed: {string.Join(", ", failed.Select(s => $"{s.Name}: {s.Reason}"))}" : "";
        logger.LogInformation("Completed lifecycle action {Hook} of {InstanceId} with {Result}", action.HookName, record.InstanceId, result);
        return StepOutcome.Done($"completed lifecycle action {action.HookName} with {result} after {steps}{why}", details);
    }

    /// <summary>Auto Scaling answers a token it no longer has (completed, timed out, wrong) with a ValidationError.</summary>
    private static bool IsActionGone(RemoteApiException ex) => ex.ErrorCode == "ValidationError";
}
