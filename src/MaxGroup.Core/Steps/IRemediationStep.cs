using MaxGroup.Core.Model;

namespace MaxGroup.Core.Steps;

/// <summary>One remediation step. Implementations are idempotent and honour <see cref="RemediationRequest.DryRun"/>.</summary>
public interface IRemediationStep
{
    /// <summary>One of <see cref="StepNames.Remediations"/>.</summary>
    string Name { get; }

    /// <summary>
    /// Runs the step. <paramref name="cancellationToken"/> fires at the earlier of the reclaim time and the
    /// function's own deadline; a step returns <see cref="StepStatus.Skipped"/> or a partial outcome rather than throw on it.
    /// </summary>
    Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Whether this run's work ends at the reclaim time (drain, Consul: pointless once the instance is gone), so the
    /// runner cancels it then. The volume step's never does (a volume moves only after its instance has gone); a replace
    /// run resumed after the reclaim only finishes what a dead run left.
    /// </summary>
    /// <remarks>No default: a wrapper must forward it, a new step must decide.</remarks>
    bool EndsAtReclaim(RemediationRequest request);
}
