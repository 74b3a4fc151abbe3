using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// The dispatcher's volume triggers on <see cref="VolumeMover"/>: state changes, launches and the sweep resume the
/// moves recorded on volume tags. When a ledger is given, each move's outcome is also written to the interruption's
/// "volume" step, so its timeline shows when the volume arrived.
/// </summary>
public sealed class VolumeTriggers(VolumeMover mover, TimeProvider clock, ILogger logger, ILedger? ledger = null) : IVolumeTriggers
{
    public async Task<DispatchResult> OnInstanceStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        InstanceStateChangeDetail detail = stateChange.Event.Detail;
        IReadOnlyList<VolumeMoveResult> results = await mover.OnInstanceStateChangeAsync(detail.InstanceId, detail.State, cancellationToken);
        return await ResultAsync(stateChange, results, detail.InstanceId, null, "no volume move involves this instance", cancellationToken);
    }

    public async Task<DispatchResult> OnInstanceLaunchAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        AutoScalingLaunchDetail detail = launch.Event.Detail;
        if (!launch.Successful || detail.InstanceId is null)
        {
            return DispatchResult.NoOp(launch, "the launch did not succeed: no instance to take a volume", detail.InstanceId, detail.AutoScalingGroupName);
        }

        IReadOnlyList<VolumeMoveResult> results = await mover.OnInstanceLaunchedAsync(detail.AutoScalingGroupName, detail.InstanceId, cancellationToken);
        return await ResultAsync(launch, results, detail.InstanceId, detail.AutoScalingGroupName, "no pending volume of this group in the instance's zone", cancellationToken);
    }

    public async Task<DispatchResult> SweepAsync(MaxGroupEvent.Scheduled scheduled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduled);
        VolumeSweepReport report = await mover.SweepAsync(cancellationToken);
        DispatchResult result = await ResultAsync(scheduled, report.Results, null, null, "no open volume moves", cancellationToken);
        return result with
        {
            Reason = $"{report.Results.Count} open volume move(s): {report.Completed} completed, {report.Failed} failed, {report.StillPending.Count} still pending. {result.Reason}",
        };
    }

    private async Task<DispatchResult> ResultAsync(MaxGroupEvent source, IReadOnlyList<VolumeMoveResult> results, string? instanceId, string? groupName, string noneReason, CancellationToken cancellationToken)
    {
        if (results.Count == 0)
        {
            return DispatchResult.NoOp(source, noneReason, instanceId, groupName);
        }

        if (ledger is not null)
        {
            foreach (VolumeMoveResult result in results.Where(r => r.SourceInstanceId is not null))
            {
                try
                {
                    await ledger.RecordStepAsync(result.SourceInstanceId!, StepNames.Volume, result.Outcome, clock.GetUtcNow(), cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The volume's tags hold the truth; a ledger outage must not undo a move that happened.
                    logger.LogWarning(ex, "Could not record the volume outcome of {InstanceId} in the ledger", result.SourceInstanceId);
                }
            }
        }

        StepOutcome summary = VolumeStep.Summarize(results, noneReason);
        return DispatchResult.Routed(
            source,
            $"volume: {summary.Status}: {summary.Reason}",
            [StepNames.Volume],
            instanceId,
            groupName ?? results.Select(r => r.GroupName).FirstOrDefault(g => g is not null));
    }
}
