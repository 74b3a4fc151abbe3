using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The capacity-aware launch (EC2 CreateFleet, type instant, in AWS): one call over every (type, subnet) pool of one
/// market, EC2 picks the pool with capacity. A launcher that also implements this is asked through it first.
/// </summary>
public interface IFleetLauncher
{
    /// <summary>
    /// Launches one instance from the best pool of <see cref="FleetLaunchSpec.Pools"/>. Pools without capacity come back
    /// in <see cref="FleetLaunchAnswer.Errors"/>; a refused call (not permitted, not served) surfaces as RemoteApiException.
    /// </summary>
    Task<FleetLaunchAnswer> LaunchFleetAsync(FleetLaunchSpec spec, CancellationToken cancellationToken);

    /// <summary>The Availability Zone of each subnet named (subnets never move, so an adapter may keep the answer).</summary>
    Task<IReadOnlyDictionary<string, string>> SubnetZonesAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken);
}

/// <summary>One capacity pool: an instance type in a subnet (or, without one, a zone).</summary>
public sealed record LaunchPool(string InstanceType, string? SubnetId, string? AvailabilityZone)
{
    public override string ToString() => $"{InstanceType}@{SubnetId ?? AvailabilityZone}";
}

/// <summary>One CreateFleet for one successor: the pools of one market, in priority order.</summary>
public sealed record FleetLaunchSpec
{
    public required LaunchTemplateRef LaunchTemplate { get; init; }
    public required PurchaseMarket Market { get; init; }
    /// <summary>Spot: EC2 chooses by price and capacity (price-capacity-optimized); On-Demand: tried in this order (prioritized).</summary>
    public required IReadOnlyList<LaunchPool> Pools { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>CreateFleet idempotency token: a repeat with the same token answers the first call's fleet.</summary>
    public required string ClientToken { get; init; }
}

/// <summary>What one CreateFleet got: the instance and its pool, or none, and the pools EC2 reported errors for.</summary>
public sealed record FleetLaunchAnswer
{
    public string? InstanceId { get; init; }
    public LaunchPool? Pool { get; init; }
    public IReadOnlyList<FleetPoolError> Errors { get; init; } = [];
}

/// <summary>One pool EC2 could not launch into, with its error code (InsufficientInstanceCapacity...).</summary>
public sealed record FleetPoolError(string? InstanceType, string? SubnetId, string ErrorCode);
