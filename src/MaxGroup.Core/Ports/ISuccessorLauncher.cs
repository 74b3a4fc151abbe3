using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Launches successor instances (EC2 RunInstances in AWS) and finds one launched earlier.</summary>
public interface ISuccessorLauncher
{
    /// <summary>Launches one instance; returns its id. Capacity problems surface as RemoteApiException with EC2's code.</summary>
    Task<string> LaunchAsync(SuccessorLaunchSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// A pending or running instance tagged spotmax:replaces=<paramref name="interruptedInstanceId"/>: a successor
    /// launched by an earlier run for the same interruption, to be reused rather than launched again.
    /// </summary>
    Task<string?> FindSuccessorAsync(string interruptedInstanceId, CancellationToken cancellationToken);
}

/// <summary>Spot or On-Demand.</summary>
public enum PurchaseMarket
{
    Spot,
    OnDemand,
}

/// <summary>One (instance type, market) to try, in order.</summary>
public sealed record LaunchCandidate(string InstanceType, PurchaseMarket Market)
{
    public string MarketText => Market == PurchaseMarket.Spot ? "spot" : "on-demand";

    public override string ToString() => $"{InstanceType}/{MarketText}";
}

/// <summary>Everything RunInstances needs for one successor.</summary>
public sealed record SuccessorLaunchSpec
{
    public required LaunchTemplateRef LaunchTemplate { get; init; }
    public required LaunchCandidate Candidate { get; init; }
    /// <summary>The doomed instance's subnet: same AZ, so a data volume can follow.</summary>
    public string? SubnetId { get; init; }
    /// <summary>Used only when there is no subnet.</summary>
    public string? AvailabilityZone { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>RunInstances idempotency token: a retried call returns the same instance instead of a second one.</summary>
    public required string ClientToken { get; init; }
}
