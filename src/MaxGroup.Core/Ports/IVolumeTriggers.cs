using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The events after a warning that move a persistent volume forward: the doomed instance stopped or terminated
/// (its volume is released), a successor launched, and the periodic sweep. The volume step implements it.
/// </summary>
public interface IVolumeTriggers
{
    Task<DispatchResult> OnInstanceStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken);

    Task<DispatchResult> OnInstanceLaunchAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken);

    Task<DispatchResult> SweepAsync(MaxGroupEvent.Scheduled scheduled, CancellationToken cancellationToken);
}

/// <summary>Used until the volume step is wired: every trigger is a no-op that says so.</summary>
public sealed class NullVolumeTriggers : IVolumeTriggers
{
    public static readonly NullVolumeTriggers Instance = new();

    public Task<DispatchResult> OnInstanceStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        return Task.FromResult(DispatchResult.NoOp(stateChange, "volume triggers are not configured", stateChange.Event.Detail.InstanceId));
    }

    public Task<DispatchResult> OnInstanceLaunchAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        return Task.FromResult(DispatchResult.NoOp(launch, "volume triggers are not configured", launch.Event.Detail.InstanceId, launch.Event.Detail.AutoScalingGroupName));
    }

    public Task<DispatchResult> SweepAsync(MaxGroupEvent.Scheduled scheduled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduled);
        return Task.FromResult(DispatchResult.NoOp(scheduled, "volume sweep is not configured"));
    }
}
