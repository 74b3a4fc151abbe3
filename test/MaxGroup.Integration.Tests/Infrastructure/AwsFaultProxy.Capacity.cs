using System.Collections.Concurrent;

namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// EC2 capacity as AWS documents it (dry pools: RunInstances' InsufficientInstanceCapacity, CreateFleet's errorSet), given by
/// <see cref="Ec2CapacityPools"/>, the same model `maxgroup demo --scenario capacity` puts in front of moto.
/// </summary>
public sealed partial class AwsFaultProxy
{
    private readonly Ec2CapacityPools _capacity = new();

    /// <summary>
    /// No capacity for these pools from now on: "m5.large" (every market and zone), "m5.large/spot" (Spot only),
    /// "m5.large/spot@us-east-1a" or "m5.large@us-east-1a" (one zone; CreateFleet overrides by subnet need the zone in
    /// <see cref="SubnetZones"/>).
    /// </summary>
    public void Dry(params string[] pools) => _capacity.Dry(pools);

    /// <summary>Every pool has capacity again.</summary>
    public void Refill() => _capacity.Refill();

    /// <summary>Subnet to zone, for zone-scoped dry pools named on CreateFleet overrides by subnet.</summary>
    public ConcurrentDictionary<string, string> SubnetZones => _capacity.SubnetZones;
}
