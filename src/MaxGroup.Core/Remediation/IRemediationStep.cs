namespace MaxGroup.Core.Remediation;

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
}
