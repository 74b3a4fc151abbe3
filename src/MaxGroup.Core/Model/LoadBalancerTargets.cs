namespace MaxGroup.Core.Model;

/// <summary>An ELBv2 target group as DescribeTargetGroups reports it (the parts the traffic step reads).</summary>
/// <param name="Arn">TargetGroupArn.</param>
/// <param name="TargetType">instance, ip, lambda or alb; only instance-type groups are deregistered by MaxGroup.</param>
/// <param name="Name">TargetGroupName.</param>
public sealed record TargetGroupInfo(string Arn, string TargetType, string? Name);

/// <summary>One target of a target group and its health state (DescribeTargetHealth): initial, healthy, unhealthy, unused, draining, unavailable.</summary>
/// <param name="Id">The instance id (or IP address).</param>
/// <param name="Port">The port the target is registered on; null = the target group's own port.</param>
/// <param name="State">TargetHealth.State.</param>
/// <param name="Reason">TargetHealth.Reason, e.g. Target.NotRegistered, Target.DeregistrationInProgress.</param>
public sealed record TargetHealth(string Id, int? Port, string State, string? Reason = null)
{
    /// <summary>The target group stops sending it new requests and waits for in-flight ones (the deregistration delay).</summary>
    public bool IsDraining => State == "draining";

    /// <summary>Not registered (any more): nothing to deregister, nothing to wait for. ("unused" alone may also mean a registered target of a group no load balancer uses.)</summary>
    public bool IsGone => Reason == "Target.NotRegistered";
}

/// <summary>An instance's state at a Classic Load Balancer (DescribeInstanceHealth); null from the port = not registered.</summary>
/// <param name="State">InService, OutOfService or Unknown.</param>
/// <param name="Description">AWS says "Instance deregistration currently in progress." while connection draining runs.</param>
public sealed record ClassicInstanceHealth(string State, string? Description)
{
    /// <summary>Connection draining of a deregistered instance is still under way.</summary>
    public bool IsDeregistering => Description?.Contains("deregistration currently in progress", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The load balancer routes to it (or may, once healthy): it must be deregistered.</summary>
    public bool IsRegistered =>
        State is "InService" or "OutOfService"
        && !IsDeregistering
        && Description?.Contains("not currently registered", StringComparison.OrdinalIgnoreCase) != true;
}
