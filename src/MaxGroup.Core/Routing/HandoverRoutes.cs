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

    /// <summary>
    /// The hand-overs an AWS Health scheduled change opens: one per affected EC2 instance (the ledger, keyed by instance id,
    /// makes a redelivered or updated event, or another page of it, open none twice), with the event's start time as the
    /// deadline. Acted on at once: a successor launched days early is what an operator wants for a retirement, and the steps
    /// run as for a warning, within their functions' own time, not waiting for the start. A start already passed, or less
    /// than the Spot notice away, gives the two minutes a Spot warning gets. Empty for other services, categories, event
    /// types, and for a closed event (the change is over).
    /// </summary>
    public static IReadOnlyList<HandoverOpening> HealthOpenings(MaxGroupEvent.HealthEvent health)
    {
        ArgumentNullException.ThrowIfNull(health);
        HealthEventDetail detail = health.Event.Detail;
        if (HealthAction(detail) is not { } action)
        {
            return [];
        }

        ReclaimDeadline deadline = detail.StartTime is { } start && start > health.Time + ReclaimDeadline.NoticePeriod
            ? new ReclaimDeadline(health.Time, start)
            : ReclaimDeadline.FromWarning(health.Time);
        return [.. detail.AffectedInstanceIds.Select(id =>
            new HandoverOpening(HandoverTrigger.HealthScheduledChange, health.Id, health.DetailType, id, action, deadline))];
    }

    /// <summary>
    /// What a Health event does to its instances ("retire", "scheduled-stop", "reboot"), or null when it is not an EC2 scheduled
    /// change MaxGroup hands over (or it is closed).
    /// </summary>
    public static string? HealthAction(HealthEventDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        if (detail.Service != "EC2" || detail.EventTypeCategory != "scheduledChange" || detail.StatusCode == "closed")
        {
            return null;
        }

        return detail.EventTypeCode switch
        {
            "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED" or "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED" => InstanceActions.Retire,
            "AWS_EC2_INSTANCE_STOP_SCHEDULED" => InstanceActions.ScheduledStop,
            "AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED" or "AWS_EC2_INSTANCE_REBOOT_FLEXIBLE_MAINTENANCE_SCHEDULED"
                or "AWS_EC2_SYSTEM_REBOOT_MAINTENANCE_SCHEDULED" => InstanceActions.Reboot,
            _ => null,
        };
    }

    /// <summary>
    /// The hand-over a state change opens when no warning came before it (the dispatcher asks only when the ledger holds
    /// no hand-over of the instance): a manual stop or terminate, a scale-in without a hook. Best effort, drain and Consul
    /// only (<see cref="StepPlan"/>), within the two minutes a Spot warning gets, counted from the state change: EC2 gives
    /// a terminate no documented grace, and the steps' server-side paths (eviction through the API server, the Consul
    /// catalog and force-leave) need no live instance, so a longer deadline would only hold the in-flight slot longer.
    /// Null for other states.
    /// </summary>
    public static HandoverOpening? UnwarnedOpening(MaxGroupEvent.InstanceStateChange stateChange)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        InstanceStateChangeDetail detail = stateChange.Event.Detail;
        string? action = detail.State switch
        {
            "stopping" => "stop",
            "shutting-down" => "terminate",
            _ => null,
        };
        return action is null ? null : new HandoverOpening(
            HandoverTrigger.UnwarnedStateChange,
            stateChange.Id,
            stateChange.DetailType,
            detail.InstanceId,
            action,
            ReclaimDeadline.FromWarning(stateChange.Time))
        {
            AlreadyLeaving = true,
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
