using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Drain;

/// <summary>
/// Acts on the Node of a terminated instance (<see cref="TerminatedNodeRequest"/>): taints it out of service, so that
/// Kubernetes (1.28+) deletes its pods and detaches their volumes and StatefulSet pods reschedule at once instead of
/// waiting for the Node to go, or deletes the Node object. Dry run finds the node and says what it would do. The outcome
/// goes on the hand-over's ledger timeline (step <see cref="StepNames.NodeAfterTermination"/>) when there is one.
/// Runs in the drain function in Lambda (its role holds the Kubernetes rights), in process otherwise.
/// </summary>
public sealed class TerminatedNodeCleanup(ITerminatedNodeApiSource clusters, ILedger ledger, TimeProvider clock, ILogger logger) : ITerminatedNodeRunner
{
    public const string OutOfServiceTaintKey = "node.kubernetes.io/out-of-service";
    public const string OutOfServiceTaintValue = "nodeshutdown";
    public const string OutOfServiceTaintEffect = "NoExecute";

    /// <summary>The taint as kubectl writes it.</summary>
    public const string OutOfServiceTaint = OutOfServiceTaintKey + "=" + OutOfServiceTaintValue + ":" + OutOfServiceTaintEffect;

    public async Task<StepOutcome> RunAsync(TerminatedNodeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        StepOutcome outcome = await ActAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.HasHandover)
        {
            try
            {
                await ledger.RecordStepAsync(request.InstanceId, StepNames.NodeAfterTermination, outcome, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The action itself stands; only its line on the timeline is missing.
                logger.LogWarning(ex, "Could not record the Node outcome of {InstanceId} in the ledger", request.InstanceId);
            }
        }

        return outcome;
    }

    private async Task<StepOutcome> ActAsync(TerminatedNodeRequest request, CancellationToken cancellationToken)
    {
        ITerminatedNodeApi cluster;
        try
        {
            cluster = await clusters.GetTerminatedNodeApiAsync(request.Config, cancellationToken).ConfigureAwait(false);
        }
        catch (ClusterConfigurationException ex)
        {
            return StepOutcome.Failed(ex.Message);
        }
        catch (RemoteApiException ex)
        {
            return StepOutcome.Failed($"cluster {request.Config.K8sClusterName} could not be located: {ex.Message}");
        }

        NodeAfterTermination action = request.Config.K8sNodeAfterTermination;
        try
        {
            DrainNode? node = await cluster.FindNodeAsync(request.InstanceId, request.AvailabilityZone, cancellationToken).ConfigureAwait(false);
            if (node is null)
            {
                return StepOutcome.NoOp($"no node has providerID .../{request.InstanceId}: the Node is already gone");
            }

            var details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["node"] = node.Name,
                ["action"] = action.ToString().ToLowerInvariant(),
                ["state"] = request.State,
                ["event"] = request.EventId,
            };
            string what = action == NodeAfterTermination.Delete ? $"delete node {node.Name}" : $"taint node {node.Name} {OutOfServiceTaint}";
            if (request.DryRun)
            {
                return new StepOutcome { Status = StepStatus.NoOp, Reason = $"dry run: would {what}", Details = details };
            }

            if (action == NodeAfterTermination.Delete)
            {
                bool deleted = await cluster.DeleteNodeAsync(node.Name, cancellationToken).ConfigureAwait(false);
                return StepOutcome.Done(deleted ? $"node {node.Name} deleted after the instance terminated" : $"node {node.Name} was already deleted", details);
            }

            bool tainted = await cluster.TaintOutOfServiceAsync(node.Name, cancellationToken).ConfigureAwait(false);
            return StepOutcome.Done(tainted
                ? $"node {node.Name} tainted {OutOfServiceTaint} after the instance terminated"
                : $"node {node.Name} already had {OutOfServiceTaint}", details);
        }
        catch (ClusterApiException ex) when (ex.StatusCode == 404)
        {
            return StepOutcome.NoOp($"the node went away before it could be {(action == NodeAfterTermination.Delete ? "deleted" : "tainted")}: {ex.Message}");
        }
        catch (ClusterApiException ex)
        {
            return StepOutcome.Failed($"the Kubernetes API refused to {Verb(action)} the node: {ex.Message}");
        }
        catch (HttpRequestException ex)
        {
            return StepOutcome.Failed($"Kubernetes API unreachable: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Not our deadline: the HTTP client's own timeout.
            return StepOutcome.Failed("Kubernetes API did not answer in time");
        }
    }

    private static string Verb(NodeAfterTermination action) => action == NodeAfterTermination.Delete ? "delete" : "taint";
}
