namespace MaxGroup.Core.Steps.Consul;

/// <summary>Timing knobs of the Consul step; the defaults suit the two-minute Spot window. The per-request timeout belongs to the registry client.</summary>
public sealed record ConsulStepOptions
{
    /// <summary>Time kept free after the configured delay for the deregistration and its verification.</summary>
    public TimeSpan WorkReserve { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Pause between a failed verification and the next deregistration attempt.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);
}
