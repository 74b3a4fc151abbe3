using MaxGroup.Core.Config;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Events;
using MaxGroup.Core.Instances;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Remediation;
using MaxGroup.Core.Time;

namespace MaxGroup.Core.Volume;

/// <summary>
/// The dispatcher's volume triggers as asynchronous starts of the "volume" function (<see cref="VolumeStep"/>),
/// so the dispatcher needs no EC2 write permission. Use <see cref="VolumeTriggers"/> instead to run them in-process.
/// </summary>
public sealed class VolumeTriggerForwarder : IVolumeTriggers
{
    private readonly IFunctionInvoker _invoker;

    public VolumeTriggerForwarder(IFunctionInvoker invoker)
    {
        _invoker = invoker;
    }

    public Task<DispatchResult> OnInstanceStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        InstanceStateChangeDetail detail = stateChange.Event.Detail;
        return ForwardAsync(stateChange, "state-change", Facts(detail.InstanceId, null, detail.State), "", cancellationToken);
    }

    public Task<DispatchResult> OnInstanceLaunchAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        AutoScalingLaunchDetail detail = launch.Event.Detail;
        if (!launch.Successful || detail.InstanceId is null)
        {
            return Task.FromResult(DispatchResult.NoOp(launch, "the launch did not succeed: no instance to take a volume", detail.InstanceId, detail.AutoScalingGroupName));
        }

        return ForwardAsync(launch, "launch", Facts(detail.InstanceId, detail.AvailabilityZone, "running"), detail.AutoScalingGroupName, cancellationToken);
    }

    public Task<DispatchResult> SweepAsync(MaxGroupEvent.Scheduled scheduled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduled);
        return ForwardAsync(scheduled, "sweep", Facts("", null, ""), "", cancellationToken);
    }

    private async Task<DispatchResult> ForwardAsync(MaxGroupEvent source, string trigger, InstanceFacts instance, string groupName, CancellationToken cancellationToken)
    {
        // The step's token is linked to ReclaimAt; for these triggers it is the event time plus the notice period,
        // a budget for one look (the move waits in-process for at most VolumeMoverOptions.MaxWait anyway).
        ReclaimDeadline budget = ReclaimDeadline.FromWarning(source.Time);
        await _invoker.StartAsync(
            new RemediationRequest
            {
                Step = StepNames.Volume,
                EventId = source.Id,
                WarningTime = budget.WarningTime,
                ReclaimAt = budget.ReclaimAt,
                Instance = instance,
                Config = new GroupConfig { GroupName = groupName },
                Trigger = trigger,
            },
            cancellationToken);
        return new DispatchResult
        {
            Status = DispatchStatus.Routed,
            Reason = $"volume function started for the {trigger} trigger",
            EventId = source.Id,
            DetailType = source.DetailType,
            InstanceId = instance.InstanceId.Length > 0 ? instance.InstanceId : null,
            GroupName = groupName.Length > 0 ? groupName : null,
            Steps = [StepNames.Volume],
        };
    }

    private static InstanceFacts Facts(string instanceId, string? zone, string state) => new()
    {
        InstanceId = instanceId,
        AvailabilityZone = zone ?? "",
        InstanceType = "",
        State = state,
    };
}
