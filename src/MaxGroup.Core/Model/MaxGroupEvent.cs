namespace MaxGroup.Core.Model;

/// <summary>One event the dispatcher understands, after parsing and validation.</summary>
public abstract record MaxGroupEvent(string Id, string DetailType, DateTimeOffset Time)
{
    public sealed record SpotInterruption(EventBridgeEvent<SpotInterruptionDetail> Event)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);

    public sealed record RebalanceRecommendation(EventBridgeEvent<RebalanceRecommendationDetail> Event)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);

    public sealed record InstanceStateChange(EventBridgeEvent<InstanceStateChangeDetail> Event)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);

    public sealed record AutoScalingLaunch(EventBridgeEvent<AutoScalingLaunchDetail> Event, bool Successful)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);

    public sealed record LifecycleAction(EventBridgeEvent<LifecycleActionDetail> Event)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);

    /// <summary>An instance in an interruptible Capacity Reservation is about to be terminated (two minutes' notice).</summary>
    public sealed record ReservationInterruption(EventBridgeEvent<ReservationInterruptionDetail> Event)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);

    /// <summary>An AWS Health event (for EC2: a scheduled retirement, stop or reboot of the affected instances).</summary>
    public sealed record HealthEvent(EventBridgeEvent<HealthEventDetail> Event)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);

    public sealed record Scheduled(EventBridgeEvent<ScheduledDetail> Event)
        : MaxGroupEvent(Event.Id, Event.DetailType, Event.Time);
}

/// <summary>Detail-type strings as AWS emits them.</summary>
public static class DetailTypes
{
    public const string SpotInterruptionWarning = "EC2 Spot Instance Interruption Warning";
    public const string RebalanceRecommendation = "EC2 Instance Rebalance Recommendation";
    public const string InstanceStateChange = "EC2 Instance State-change Notification";
    public const string LaunchSuccessful = "EC2 Instance Launch Successful";
    public const string LaunchUnsuccessful = "EC2 Instance Launch Unsuccessful";
    public const string TerminateLifecycleAction = "EC2 Instance-terminate Lifecycle Action";
    public const string Scheduled = "Scheduled Event";
    public const string CapacityReservationInterruptionWarning = "EC2 Capacity Reservation Instance Interruption Warning";
    public const string HealthEvent = "AWS Health Event";
}
