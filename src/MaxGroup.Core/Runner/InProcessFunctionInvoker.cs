using System.Text.Json;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps;

namespace MaxGroup.Core.Runner;

/// <summary>
/// `--inline`: runs a remediation step in this process instead of invoking its function. The dispatcher starts its
/// steps concurrently and awaits them, so the whole interruption is handled when the dispatch returns. The request
/// goes through the same JSON as in Lambda, so a payload that would not survive the trip fails here too.
/// </summary>
/// <param name="steps">The steps by name; a missing one fails its start (recorded as such in the ledger).</param>
/// <param name="runner">The runner; a factory because the runner's queue resumer is the dispatcher that uses this invoker.</param>
public sealed class InProcessFunctionInvoker(IEnumerable<IRemediationStep> steps, Func<RemediationRunner> runner) : IFunctionInvoker
{
    private readonly IReadOnlyDictionary<string, IRemediationStep> _steps = steps.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public async Task StartAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_steps.TryGetValue(request.Step, out IRemediationStep? step))
        {
            throw new InvalidOperationException($"no step named \"{request.Step}\" is available in-process");
        }

        string payload = JsonSerializer.Serialize(request, RemediationJsonContext.Default.RemediationRequest);
        RemediationRequest received = JsonSerializer.Deserialize(payload, RemediationJsonContext.Default.RemediationRequest)!;
        await runner().RunAsync(step, received, cancellationToken);
    }
}
