using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Aws.Lambda;

/// <summary>
/// The dispatcher's volume triggers in Lambda: the events that move a data volume (state change, launch, sweep) are
/// forwarded to the volume function, asynchronously, so that only the volume function's role may touch volumes.
/// Events that cannot concern a move are answered here: a state change of an instance with no volume step in the
/// ledger, a launch into a group without persistence_dev. Volumes whose events were filtered or lost are still found
/// by the scheduled sweep, which reads the volumes' own tags.
/// </summary>
public sealed class VolumeEventForwarder(LambdaInvokeClient lambda, string volumeFunction, ILedger ledger, IGroupConfigSource configs, ILogger logger) : IVolumeTriggers
{
    public async Task<DispatchResult> OnInstanceStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        string instanceId = stateChange.Event.Detail.InstanceId;
        InterruptionRecord? record = await ledger.GetAsync(instanceId, cancellationToken);
        if (record?.FindStep(StepNames.Volume) is null)
        {
            return DispatchResult.NoOp(stateChange, "no interruption with a volume step is recorded for this instance", instanceId);
        }

        return await ForwardAsync(stateChange, EventBridgeJson.StateChange(stateChange.Event), instanceId, record.GroupName, cancellationToken);
    }

    public async Task<DispatchResult> OnInstanceLaunchAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        AutoScalingLaunchDetail detail = launch.Event.Detail;
        if (!launch.Successful || detail.InstanceId is null)
        {
            return DispatchResult.NoOp(launch, "the launch did not succeed: no instance to take a volume", detail.InstanceId, detail.AutoScalingGroupName);
        }

        GroupConfigLookup config = await configs.GetAsync(detail.AutoScalingGroupName, cancellationToken);
        if (!config.Managed || config.Config?.HasVolumeStep != true)
        {
            return DispatchResult.NoOp(launch, "the group moves no data volume (not managed, or no persistence_dev)", detail.InstanceId, detail.AutoScalingGroupName);
        }

        return await ForwardAsync(launch, EventBridgeJson.Launch(launch.Event, launch.Successful), detail.InstanceId, detail.AutoScalingGroupName, cancellationToken);
    }

    public Task<DispatchResult> SweepAsync(MaxGroupEvent.Scheduled scheduled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduled);
        return ForwardAsync(scheduled, EventBridgeJson.Scheduled(scheduled.Event), null, null, cancellationToken);
    }

    private async Task<DispatchResult> ForwardAsync(MaxGroupEvent source, byte[] payload, string? instanceId, string? groupName, CancellationToken cancellationToken)
    {
        await lambda.InvokeEventAsync(volumeFunction, payload, cancellationToken);
        logger.LogInformation("Forwarded {DetailType} {EventId} to {Function}", source.DetailType, source.Id, volumeFunction);
        return DispatchResult.Routed(source, $"forwarded to the volume function {volumeFunction}", [StepNames.Volume], instanceId, groupName);
    }
}
