using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// The "volume" remediation step: moves the persistent data volume to the successor. On the warning it keeps the
/// volume and records the move; the other triggers resume it through <see cref="VolumeMover"/>.
/// </summary>
public sealed class VolumeStep(VolumeMover mover, TimeProvider clock, ILogger logger) : IRemediationStep
{
    public string Name => StepNames.Volume;

    /// <summary>A volume moves only once its instance is gone: a resumed step keeps going past the reclaim time.</summary>
    public bool EndsAtReclaim(RemediationRequest request) => false;

    /// <summary>
    /// By <see cref="RemediationRequest.Trigger"/>: a Spot warning (and a rebalance, a dequeued start) prepares the move; a
    /// state change resumes the moves of <c>Instance</c> (the source or target that changed state); a launch offers the
    /// launched <c>Instance</c> to pending volumes of its group; the sweep resumes every open move.
    /// </summary>
    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        if (!request.Config.HasVolumeStep && request.Trigger is HandoverTrigger.SpotWarning or HandoverTrigger.Rebalance or HandoverTrigger.Dequeued or HandoverTrigger.LifecycleHook or HandoverTrigger.ReservationWarning or HandoverTrigger.HealthScheduledChange)
        {
            return StepOutcome.NoOp("persistence_dev is not set for this group");
        }

        try
        {
            switch (request.Trigger)
            {
                case HandoverTrigger.SpotWarning:
                case HandoverTrigger.Rebalance:
                // An interruption queued behind the in-flight caps starts like a warning: its volume must be kept too.
                case HandoverTrigger.Dequeued:
                // A terminate lifecycle action: kept and left pending for the group's next instance in its zone.
                case HandoverTrigger.LifecycleHook:
                // An interruptible Capacity Reservation's warning: as a Spot warning.
                case HandoverTrigger.ReservationWarning:
                // An AWS Health scheduled change: kept and moved to the successor, as on a warning.
                case HandoverTrigger.HealthScheduledChange:
                    return await PrepareWithRetriesAsync(request, cancellationToken);
                case HandoverTrigger.Launch:
                    return Summarize(await mover.OnInstanceLaunchedAsync(request.Config.GroupName, request.Instance.InstanceId, cancellationToken), "no pending volume in this group and zone");
                case HandoverTrigger.Sweep:
                    VolumeSweepReport report = await mover.SweepAsync(cancellationToken);
                    return Summarize(report.Results, "no open volume moves");
                default:
                    if (request.SuccessorInstanceId is not null)
                    {
                        return Summarize(await mover.OnSuccessorRecordedAsync(request.Instance.InstanceId, request.SuccessorInstanceId, cancellationToken), "no open volume move for this instance");
                    }

                    return Summarize(await mover.OnInstanceStateChangeAsync(request.Instance.InstanceId, request.Instance.State, cancellationToken), "no open volume move for this instance");
            }
        }
        catch (RemoteApiException ex)
        {
            // The volume is untouched or its move stays open on its tags; the ledger gets the reason.
            logger.LogError(ex, "Volume step failed for {InstanceId}", request.Instance.InstanceId);
            return StepOutcome.Failed($"{ex.Service} {ex.ErrorCode}: {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StepOutcome.Waiting("out of time in this invocation; the next trigger or the sweep resumes the move");
        }
    }

    /// <summary>
    /// The preparation again after a throttled or failed AWS answer (beyond the SDK's own retries), while the step's time
    /// lasts. The preparation is written to be run again (a redelivered warning does the same); a definite error still
    /// fails at once. No reclaim bound: a volume is kept and moved after its instance has gone, so the step's token (the
    /// function's deadline) ends it. Until the move is on the volume's tags only the ledger knows of it: no trigger or
    /// tag sweep finds an untagged volume, so a preparation that runs out of time or of tries before the tag puts the
    /// step back to Pending (<see cref="NotYetTagged"/>) rather than ending it Waiting.
    /// </summary>
    private async Task<StepOutcome> PrepareWithRetriesAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        var retry = new RemoteRetry(clock, attempt => PrepareBackoff * attempt)
        {
            MaxAttempts = PrepareAttempts,
            Retrying = (ex, attempt, _) => logger.LogWarning("Volume preparation for {InstanceId}: {Service} {ErrorCode} (attempt {Attempt}), trying again",
                request.Instance.InstanceId, ex.Service, ex.ErrorCode, attempt),
        };
        bool tagged = false;
        try
        {
            return await retry.RunAsync(ct => mover.PrepareAsync(request, () => tagged = true, ct), cancellationToken);
        }
        catch (RemoteApiException ex) when (ex.IsRetryable && !tagged)
        {
            return NotYetTagged(request, $"{ex.Service} {ex.ErrorCode} {PrepareAttempts} times");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !tagged)
        {
            return NotYetTagged(request, "out of time in this invocation");
        }
    }

    /// <summary>
    /// The preparation stopped before the move was tagged. Within <see cref="UntaggedResumeWindow"/> of the reclaim the
    /// step goes back to Pending: the hand-over stays open, and the sweep (every minute) or the instance's state change
    /// resumes it as a stalled step, keeping the volume again first (DeleteOnTermination off, if the instance is still
    /// there). Later it fails, so Hand-over Failed is published: MaxGroup deletes nothing, but nothing moves it without an operator.
    /// </summary>
    private StepOutcome NotYetTagged(RemediationRequest request, string why)
    {
        string volume = request.DataVolumeId ?? $"the volume at {request.Config.PersistenceDev}";
        DateTimeOffset giveUpAt = request.ReclaimAt + UntaggedResumeWindow;
        if (clock.GetUtcNow() < giveUpAt)
        {
            logger.LogWarning("Volume preparation for {InstanceId} stopped before the move was tagged ({Why}); the step is pending again for the sweep", request.Instance.InstanceId, why);
            return new StepOutcome
            {
                Status = StepStatus.Pending,
                Reason = $"{why} before the move of {volume} was tagged: pending again, the sweep resumes the step (until {giveUpAt:u})",
            };
        }

        return StepOutcome.Failed(
            $"{why} before the move of {volume} was tagged, and {UntaggedResumeWindow.TotalMinutes:0} minutes have passed since the reclaim: " +
            $"nothing will move it now, and MaxGroup deleted nothing (attach it to the successor as {request.Config.PersistenceAttachAs}, or run maxgroup invoke volume again)");
    }

    /// <summary>How many times the preparation runs before a retryable error stops this run (about 2.5 s of waiting).</summary>
    private const int PrepareAttempts = 5;

    /// <summary>The wait after the first failed preparation; the n-th waits n times as long.</summary>
    private static readonly TimeSpan PrepareBackoff = TimeSpan.FromMilliseconds(250);

    /// <summary>How long after the reclaim a move that never got its tags is still resumed by the sweep.</summary>
    public static readonly TimeSpan UntaggedResumeWindow = TimeSpan.FromHours(1);

    /// <summary>One outcome for the ledger from the per-volume results: the worst status wins.</summary>
    public static StepOutcome Summarize(IReadOnlyList<VolumeMoveResult> results, string noneReason)
    {
        if (results.Count == 0)
        {
            return StepOutcome.NoOp(noneReason);
        }

        var details = new Dictionary<string, string>();
        foreach (VolumeMoveResult result in results)
        {
            details[result.VolumeId] = $"{result.Outcome.Status}: {result.Outcome.Reason}";
            if (result.Outcome.Details.TryGetValue("successor", out string? successor))
            {
                details[result.VolumeId + ".successor"] = successor;
            }
        }

        StepStatus worst = results.Select(r => r.Outcome.Status).Max(s => Rank(s)) switch
        {
            3 => StepStatus.Failed,
            2 => StepStatus.Waiting,
            1 => StepStatus.Done,
            _ => StepStatus.NoOp,
        };
        string reason = string.Join("; ", results.Select(r => $"{r.VolumeId}: {r.Outcome.Reason}"));
        return new StepOutcome { Status = worst, Reason = reason, Details = details };
    }

    private static int Rank(StepStatus status) => status switch
    {
        StepStatus.Failed => 3,
        StepStatus.Waiting or StepStatus.Skipped or StepStatus.Pending or StepStatus.Running => 2,
        StepStatus.Done => 1,
        _ => 0,
    };
}
