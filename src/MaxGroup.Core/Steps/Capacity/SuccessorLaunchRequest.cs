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
    /// <summary>Used only when there is no subnet.</summary>
    public string? AvailabilityZone { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    /// <summary>RunInstances idempotency token for the candidate at the given index.</summary>
    public required Func<int, string> ClientToken { get; init; }
}
