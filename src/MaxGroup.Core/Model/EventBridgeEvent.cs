namespace MaxGroup.Core.Model;

/// <summary>
/// An EventBridge event with a typed detail; the shape of Amazon.Lambda.CloudWatchEvents' CloudWatchEvent&lt;T&gt;
/// so the official package can replace it later.
/// </summary>
public sealed record EventBridgeEvent<TDetail>
    where TDetail : class
{
    public string Version { get; init; } = "0";
    public required string Id { get; init; }
    public required string DetailType { get; init; }
    public required string Source { get; init; }
    public string Account { get; init; } = "";
    public required DateTimeOffset Time { get; init; }
    public string Region { get; init; } = "";
    public IReadOnlyList<string> Resources { get; init; } = [];
    public required TDetail Detail { get; init; }
}

/// <summary>detail of "EC2 Spot Instance Interruption Warning".</summary>
public sealed record SpotInterruptionDetail(string InstanceId, InstanceAction InstanceAction)
{
    /// <summary>The AZ from the resource ARN (AWS puts it where a region would stand), when present.</summary>
    public string? AvailabilityZone { get; init; }
}

/// <summary>What AWS does at the end of the notice.</summary>
public enum InstanceAction
{
    Terminate,
    Stop,
    Hibernate,
}

/// <summary>detail of "EC2 Capacity Reservation Instance Interruption Warning" (interruptible Capacity Reservations).</summary>
public sealed record ReservationInterruptionDetail(string InstanceId, InstanceAction InstanceAction)
{
    /// <summary>detail.instance-termination-time: when EC2 terminates the instance (null when absent).</summary>
    public DateTimeOffset? TerminationTime { get; init; }
}

/// <summary>detail of "EC2 Instance Rebalance Recommendation".</summary>
public sealed record RebalanceRecommendationDetail(string InstanceId);

/// <summary>detail of "EC2 Instance State-change Notification".</summary>
public sealed record InstanceStateChangeDetail(string InstanceId, string State);

/// <summary>detail of aws.autoscaling "EC2 Instance Launch Successful" / "EC2 Instance Launch Unsuccessful".</summary>
public sealed record AutoScalingLaunchDetail(string AutoScalingGroupName, string? InstanceId, string StatusCode)
{
    /// <summary>The scaling activity that launched (or failed to launch); a backfill is done once per group and activity.</summary>
    public string? ActivityId { get; init; }
    public string? AvailabilityZone { get; init; }
    public string? SubnetId { get; init; }
    public string? Cause { get; init; }
    public string? StatusMessage { get; init; }
}

/// <summary>detail of "EC2 Instance-terminate Lifecycle Action".</summary>
public sealed record LifecycleActionDetail(string AutoScalingGroupName, string InstanceId, string LifecycleHookName, string LifecycleTransition)
{
    public string? LifecycleActionToken { get; init; }
}

/// <summary>
/// detail of an "AWS Health Event" (source aws.health), reduced to what a scheduled change of EC2 instances needs. AWS
/// Health splits an event with many affected entities into pages (detail.page of detail.totalPages), each its own
/// EventBridge event with some of the entities: each page is handled on its own.
/// </summary>
public sealed record HealthEventDetail(string EventArn, string Service, string EventTypeCode, string EventTypeCategory)
{
    /// <summary>detail.statusCode: upcoming, open or closed (null when absent).</summary>
    public string? StatusCode { get; init; }

    /// <summary>detail.startTime: when the change begins, the hand-over's deadline (null when absent).</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>The affectedEntities[].entityValue that are EC2 instance ids, in the event's order, each once.</summary>
    public IReadOnlyList<string> AffectedInstanceIds { get; init; } = [];
}

/// <summary>Input of a scheduled rule (the volume sweep, preaction): EventBridge's "Scheduled Event".</summary>
public sealed record ScheduledDetail;
