using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The Elastic Load Balancing calls of the traffic step: ELBv2 target groups (API 2015-12-01) and Classic Load Balancers
/// (API 2012-06-01). Errors surface as <see cref="RemoteApiException"/>. Every call converges when repeated.
/// </summary>
public interface ILoadBalancerApi
{
    /// <summary>The target groups of <paramref name="targetGroupArns"/> with their target type.</summary>
    Task<IReadOnlyList<TargetGroupInfo>> DescribeTargetGroupsAsync(IReadOnlyList<string> targetGroupArns, CancellationToken cancellationToken);

    /// <summary>The target group's deregistration_delay.timeout_seconds (AWS's default is 300); null when it does not say.</summary>
    Task<int?> DescribeDeregistrationDelayAsync(string targetGroupArn, CancellationToken cancellationToken);

    /// <summary>The health of <paramref name="targets"/> in the target group, or of every registered target when empty.</summary>
    Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroupArn, IReadOnlyList<TargetHealth> targets, CancellationToken cancellationToken);

    /// <summary>DeregisterTargets: the target group stops routing new requests to <paramref name="targets"/> and drains them.</summary>
    Task DeregisterTargetsAsync(string targetGroupArn, IReadOnlyList<TargetHealth> targets, CancellationToken cancellationToken);

    /// <summary>The instance's state at the Classic Load Balancer, or null when it is not registered with it.</summary>
    Task<ClassicInstanceHealth?> DescribeClassicInstanceHealthAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken);

    /// <summary>DeregisterInstancesFromLoadBalancer for one instance; connection draining then runs as the load balancer is configured.</summary>
    Task DeregisterFromClassicAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken);
}
