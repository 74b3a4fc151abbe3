using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Runs a resolved <see cref="TerminatedNodeRequest"/>: in this process, or in the drain function (Lambda).</summary>
public interface ITerminatedNodeRunner
{
    Task<StepOutcome> RunAsync(TerminatedNodeRequest request, CancellationToken cancellationToken);
}
