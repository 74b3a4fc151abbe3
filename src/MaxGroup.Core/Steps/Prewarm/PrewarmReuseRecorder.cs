using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Prewarm;

/// <summary>
/// Wraps the replace step: after it ran for an interruption, a successor it took that is the one pre-warmed on the
/// rebalance recommendation counts as reused (metric PrewarmedSuccessorsReused) and the pre-warm record says so. It
/// reads only the ledger (the interruption's successor), not the replace step's internals.
/// </summary>
public sealed class PrewarmReuseRecorder : IRemediationStep
{
    private readonly IRemediationStep _inner;
    private readonly IPrewarmLedger _prewarms;
    private readonly ILedger _ledger;
    private readonly TimeProvider _clock;
    private readonly IMetrics _metrics;
    private readonly ILogger _logger;

    public PrewarmReuseRecorder(IRemediationStep inner, IPrewarmLedger prewarms, ILedger ledger, TimeProvider clock, IMetrics metrics, ILogger logger)
    {
        _inner = inner;
        _prewarms = prewarms;
        _ledger = ledger;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
    }

    public string Name => _inner.Name;

    public bool EndsAtReclaim(RemediationRequest request) => _inner.EndsAtReclaim(request);

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        StepOutcome outcome = await _inner.RunAsync(request, cancellationToken);
        if (request.DryRun)
        {
            return outcome;
        }

        string instanceId = request.Instance.InstanceId;
        try
        {
            PrewarmRecord? prewarm = await _prewarms.GetAsync(instanceId, _clock.GetUtcNow(), cancellationToken);
            if (prewarm is { Status: PrewarmStatus.Launched, SuccessorInstanceId: { } successor }
                && (await _ledger.GetAsync(instanceId, cancellationToken))?.SuccessorInstanceId == successor)
            {
                await _prewarms.SetStatusAsync(instanceId, PrewarmStatus.Reused, $"taken by the replace step for event {request.EventId}", cancellationToken);
                _metrics.Record("PrewarmedSuccessorsReused", 1, MetricUnit.Count);
                _logger.LogInformation("Interruption of {InstanceId} reused pre-warmed successor {SuccessorId}", instanceId, successor);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Bookkeeping only: the replacement itself is done and its outcome stands.
            _logger.LogWarning(ex, "Could not record the reuse of a pre-warmed successor for {InstanceId}", instanceId);
        }

        return outcome;
    }
}
