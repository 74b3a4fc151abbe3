using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Prewarm;

/// <summary>
/// Wraps the replace step: after it ran for an interruption, a successor it took that is the one pre-warmed on the
/// rebalance recommendation counts as reused (metric PrewarmedSuccessorsReused) and the pre-warm record says so. It
/// reads only the ledger (the interruption's successor), not the replace step's internals.
/// </summary>
public sealed class PrewarmReuseRecorder(IRemediationStep inner, IPrewarmLedger prewarms, ILedger ledger, TimeProvider clock, IMetrics metrics, ILogger logger) : IRemediationStep
{
    public string Name => inner.Name;

    public bool EndsAtReclaim(RemediationRequest request) => inner.EndsAtReclaim(request);

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        StepOutcome outcome = await inner.RunAsync(request, cancellationToken);
        if (request.DryRun)
        {
            return outcome;
        }

        string instanceId = request.Instance.InstanceId;
        try
        {
            PrewarmRecord? prewarm = await prewarms.GetAsync(instanceId, clock.GetUtcNow(), cancellationToken);
            if (prewarm is { Status: PrewarmStatus.Launched, SuccessorInstanceId: { } successor }
                && (await ledger.GetAsync(instanceId, cancellationToken))?.SuccessorInstanceId == successor)
            {
                await prewarms.SetStatusAsync(instanceId, PrewarmStatus.Reused, $"taken by the replace step for event {request.EventId}", cancellationToken);
                metrics.Record("PrewarmedSuccessorsReused", 1, MetricUnit.Count);
                logger.LogInformation("Interruption of {InstanceId} reused pre-warmed successor {SuccessorId}", instanceId, successor);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Bookkeeping only: the replacement itself is done and its outcome stands.
            logger.LogWarning(ex, "Could not record the reuse of a pre-warmed successor for {InstanceId}", instanceId);
        }

        return outcome;
    }
}
