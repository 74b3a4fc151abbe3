using MaxGroup.Core.Model;
using MaxGroup.Core.Steps;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// A step built on first use: the dispatcher (in-process) and preaction name the drain, Consul and volume steps up
/// front, but their clients are built only when a group actually uses the step. One instance per execution
/// environment, so every function of a host runs the same step.
/// </summary>
public sealed class DeferredStep : IRemediationStep
{
    private readonly Lazy<IRemediationStep> _step;

    public DeferredStep(string name, Func<IRemediationStep> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        _step = new(create);
    }

    public string Name { get; }

    /// <summary>The step itself, built now if it was not yet.</summary>
    public IRemediationStep Step => _step.Value;

    public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken) => Step.RunAsync(request, cancellationToken);

    public bool EndsAtReclaim(RemediationRequest request) => Step.EndsAtReclaim(request);
}
