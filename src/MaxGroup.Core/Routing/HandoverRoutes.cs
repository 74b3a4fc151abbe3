using MaxGroup.Core.Model;

namespace MaxGroup.Core.Routing;

/// <summary>
/// The routing rules: which parsed events open a hand-over, with which trigger and which deadline source. A new way an
/// instance leaves its group is one case here (after its parser case in <c>Events/EventParser</c>); everything after
/// the opening (ledger begin, step start, runner, deadline) is the same for every trigger.
/// </summary>
public static class HandoverRoutes
{
    /// <summary>The hand-over <paramref name="maxGroupEvent"/> opens, or null when it opens none (it is routed elsewhere).</summary>
    public static HandoverOpening? Opening(MaxGroupEvent maxGroupEvent)
    {
        ArgumentNullException.ThrowIfNull(maxGroupEvent);
        return maxGroupEvent switch
        {
            MaxGroupEvent.SpotInterruption warning => new HandoverOpening(
                HandoverTrigger.SpotWarning,
                warning.Id,
                warning.DetailType,
                warning.Event.Detail.InstanceId,
                ActionText(warning.Event.Detail.InstanceAction),
                ReclaimDeadline.FromWarning(warning.Time)),
            // Interruptible Capacity Reservations: the same two-minute hand-over, by the event's own termination time.
            MaxGroupEvent.ReservationInterruption reservation => new HandoverOpening(
                HandoverTrigger.ReservationWarning,
                reservation.Id,
                reservation.DetailType,
                reservation.Event.Detail.InstanceId,
                ActionText(reservation.Event.Detail.InstanceAction),
                reservation.Event.Detail.TerminationTime is { } at && at > reservation.Time
                    ? new ReclaimDeadline(reservation.Time, at)
                    : ReclaimDeadline.FromWarning(reservation.Time)),
            _ => null,
        };
    }

    /// <summary>
    /// A terminate lifecycle action opens a hand-over whose deadline source is the hook: each heartbeat keeps the action for
    /// the hook's heartbeat timeout, and no heartbeat keeps it past the hook's global timeout, so the steps are given the
    /// global timeout as their reclaim time and the lifecycle step heartbeats while they run. <paramref name="hook"/> is the
    /// hook as Auto Scaling describes it (null = it could not be described: AWS's defaults). Null for other transitions.
    /// </summary>
    public static HandoverOpening? LifecycleOpening(MaxGroupEvent.LifecycleAction lifecycle, LifecycleHookInfo? hook)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        LifecycleActionDetail detail = lifecycle.Event.Detail;
        if (detail.LifecycleTransition != TerminatingTransition)
        {
            return null;
        }

        TimeSpan heartbeat = hook is { HeartbeatTimeout: > 0 } ? TimeSpan.FromSeconds(hook.HeartbeatTimeout) : LifecycleHookAction.DefaultHeartbeatTimeout;
        TimeSpan global = hook?.GlobalTimeout is > 0 ? TimeSpan.FromSeconds(hook.GlobalTimeout.Value) : LifecycleHookAction.DocumentedGlobalTimeout(heartbeat);
        DateTimeOffset started = lifecycle.Time;
        var action = new LifecycleHookAction
        {
            GroupName = detail.AutoScalingGroupName,
            HookName = detail.LifecycleHookName,
            Token = detail.LifecycleActionToken,
            StartedAt = started,
            HeartbeatTimeout = heartbeat,
            GlobalDeadline = started + global,
        };
        return new HandoverOpening(
            HandoverTrigger.LifecycleHook,
            lifecycle.Id,
            lifecycle.DetailType,
            detail.InstanceId,
            "terminate",
            new ReclaimDeadline(started, action.GlobalDeadline))
        {
            LifecycleHook = action,
        };
    }

    /// <summary>The LifecycleTransition of a terminate lifecycle action.</summary>
    public const string TerminatingTransition = "autoscaling:EC2_INSTANCE_TERMINATING";

    private static string ActionText(InstanceAction action) => action switch
    {
        InstanceAction.Stop => "stop",
        InstanceAction.Hibernate => "hibernate",
        _ => "terminate",
    };
}
