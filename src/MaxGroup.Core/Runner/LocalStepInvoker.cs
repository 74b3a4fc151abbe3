using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Runner;

/// <summary>
/// Starts one step in this process and every other through another invoker: the replace function's own intake of a
/// Spot warning runs the replace step where the begin claimed it, and starts the rest through Lambda.
/// </summary>
/// <param name="step">The step run here.</param>
/// <param name="here">Runs <paramref name="step"/> (an <see cref="InProcessFunctionInvoker"/>).</param>
/// <param name="others">Starts every other step.</param>
public sealed class LocalStepInvoker(string step, IFunctionInvoker here, IFunctionInvoker others) : IFunctionInvoker
{
    public Task StartAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Step == step ? here.StartAsync(request, cancellationToken) : others.StartAsync(request, cancellationToken);
    }
}
