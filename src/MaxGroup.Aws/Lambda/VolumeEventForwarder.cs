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
public sealed class VolumeEventForwarder : IVolumeTriggers
{
    private readonly LambdaInvokeClient _lambda;
    private readonly string _volumeFunction;
    private readonly ILedger _ledger;
    private readonly IGroupConfigSource _configs;
    private readonly ILogger _logger;

    public VolumeEventForwarder(LambdaInvokeClient lambda, string volumeFunction, ILedger ledger, IGroupConfigSource configs, ILogger logger)
    {
        _lambda = lambda;
        _volumeFunction = volumeFunction;
        _ledger = ledger;
        _configs = configs;
        _logger = logger;
    }

    public async Task<DispatchResult> OnInstanceStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        string instanceId = stateChange.Event.Detail.InstanceId;
        InterruptionRecord? record = await _ledger.GetAsync(instanceId, cancellationToken);
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

        GroupConfigLookup config = await _configs.GetAsync(detail.AutoScalingGroupName, cancellationToken);
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
        await _lambda.InvokeEventAsync(_volumeFunction, payload, cancellationToken);
        _logger.LogInformation("Forwarded {DetailType} {EventId} to {Function}", source.DetailType, source.Id, _volumeFunction);
        return new DispatchResult
        {
            Status = DispatchStatus.Routed,
            Reason = $"forwarded to the volume function {_volumeFunction}",
            EventId = source.Id,
            DetailType = source.DetailType,
            InstanceId = instanceId,
            GroupName = groupName,
            Steps = [StepNames.Volume],
        };
    }
}
