using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>One successor to launch: the candidates to try in order and what every attempt shares.</summary>
public sealed record SuccessorLaunchRequest
{
    public required LaunchTemplateRef LaunchTemplate { get; init; }
    /// <summary>Tried in order until one has capacity.</summary>
    public required IReadOnlyList<LaunchCandidate> Candidates { get; init; }
    /// <summary>The replaced instance's subnet: same AZ, so a data volume can follow.</summary>
    public string? SubnetId { get; init; }
    /// <summary>The replaced instance's zone; used alone only when there is no subnet.</summary>
    public string? AvailabilityZone { get; init; }
    /// <summary>
    /// Every subnet the capacity-aware launch may use besides <see cref="SubnetId"/> (the group's); empty = that subnet only.
    /// The serial RunInstances path uses <see cref="SubnetId"/> alone.
    /// </summary>
    public IReadOnlyList<string> Subnets { get; init; } = [];
    /// <summary>Subnet zones already known (the dispatcher looked them up); a subnet missing here is looked up.</summary>
    public IReadOnlyDictionary<string, string>? KnownSubnetZones { get; init; }
    /// <summary>Only subnets of <see cref="AvailabilityZone"/>: a data volume pins the successor to its zone.</summary>
    public bool StayInZone { get; init; }
    /// <summary>Spot pools (type, zone) interrupted a moment ago: left out of the Spot candidates while another pool is allowed.</summary>
    public IReadOnlyCollection<SpotPoolBan> BannedPools { get; init; } = [];
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    /// <summary>RunInstances idempotency token for the candidate at the given index (CreateFleet: for the market block at the index).</summary>
    public required Func<int, string> ClientToken { get; init; }
}
