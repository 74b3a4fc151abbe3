using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MaxGroup.Core.Steps.Drain;

/// <summary>
/// The "drain" remediation step (k8s_node_drain_option): cordons and drains the Kubernetes node of the interrupted
/// instance before AWS reclaims it. Outcome details list the evicted pods, the pods left and why.
/// </summary>
/// <remarks>With a <see cref="ITrafficGate"/>, a group whose plan has the traffic step evicts only once it has ended (or its wait has passed).</remarks>
public sealed class DrainStep(INodeDrainerSource drainers, TimeProvider clock, ILogger<DrainStep>? logger = null, IMetrics? metrics = null, ITrafficGate? trafficGate = null) : IRemediationStep
{
    /// <summary>Stop this long before reclaim so the outcome is recorded while the function still runs.</summary>
    public static readonly TimeSpan ReportMargin = TimeSpan.FromSeconds(2);

    /// <summary>Longest list kept in one detail value; the ledger item must stay small.</summary>
    public const int MaxListedPods = 50;

    private readonly INodeDrainerSource _drainers = drainers ?? throw new ArgumentNullException(nameof(drainers));
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly IMetrics _metrics = metrics ?? NullMetrics.Instance;

    public string Name => StepNames.Drain;

    /// <summary>A drain is pointless once the node's instance is gone.</summary>
    public bool EndsAtReclaim(RemediationRequest request) => true;

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Config.K8sNodeDrainOption)
        {
            return StepOutcome.NoOp("k8s_node_drain_option is off for this group");
        }

        if (_clock.GetUtcNow() >= request.ReclaimAt - ReportMargin)
        {
            return StepOutcome.Skipped("the instance is reclaimed before a drain could start");
        }

        INodeDrainer cluster;
        try
        {
            cluster = await _drainers.GetDrainerAsync(request.Config, cancellationToken).ConfigureAwait(false);
        }
        catch (ClusterConfigurationException ex)
        {
            return StepOutcome.Failed(ex.Message);
        }
        catch (RemoteApiException ex)
        {
            // DescribeCluster failed (no permission, no such cluster, throttled past the SDK's retries).
            return StepOutcome.Failed($"cluster {request.Config.K8sClusterName} could not be located: {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StepOutcome.Skipped("deadline reached while locating the cluster");
        }

        var drain = new NodeDrain(cluster, _clock, _logger, trafficGate);
        long started = _clock.GetTimestamp();
        DrainReport report = await drain.DrainAsync(ToDrainRequest(request), cancellationToken).ConfigureAwait(false);
        if (report.NodeName is not null && !report.DryRun)
        {
            var dimensions = new Dictionary<string, string>(StringComparer.Ordinal) { ["Group"] = request.Config.GroupName };
            _metrics.Record("DrainPodsEvicted", report.Evicted.Count, MetricUnit.Count, dimensions);
            _metrics.Record("DrainPodsRemaining", report.Remaining.Count, MetricUnit.Count, dimensions);
            _metrics.Record("DrainDuration", _clock.GetElapsedTime(started).TotalMilliseconds, MetricUnit.Milliseconds, dimensions);
            _metrics.Record("NodeEventsRecorded", report.NodeEventsRecorded, MetricUnit.Count, dimensions);
            // Counted, never failed: a drain whose events were refused (no RBAC for events, say) still drained.
            _metrics.Record("NodeEventsFailed", report.NodeEventsFailed, MetricUnit.Count, dimensions);
        }

        return ToOutcome(report);
    }

    /// <summary>Maps the remediation request onto the drainer's own request.</summary>
    public static DrainRequest ToDrainRequest(RemediationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new DrainRequest
        {
            InstanceId = request.Instance.InstanceId,
            AvailabilityZone = request.Instance.AvailabilityZone,
            PrivateDnsName = string.IsNullOrEmpty(request.Instance.PrivateDnsName) ? null : request.Instance.PrivateDnsName,
            SuccessorInstanceId = request.SuccessorInstanceId,
            EventId = request.EventId,
            WarningTime = request.WarningTime,
            Deadline = request.ReclaimAt - ReportMargin,
            MaxGraceSeconds = request.Config.K8sNodeDrainGraceSecond,
            SuccessorWaitSeconds = request.Config.K8sDelayDrainingSecs,
            DryRun = request.DryRun || request.Config.DryRun,
            TrafficWaitSeconds = request.Config.HasTrafficStep ? request.Config.LbDeregistrationWaitSeconds : null,
        };
    }

    /// <summary>Turns the drain report into the ledger outcome: Done, NoOp (no node, dry run) or Failed with what is left and why.</summary>
    public static StepOutcome ToOutcome(DrainReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        if (report.NodeName is null)
        {
            if (report.Error is not null)
            {
                return StepOutcome.Failed(report.Error);
            }

            return report.DeadlineReached
                ? StepOutcome.Skipped(report.NoNodeReason ?? "deadline reached")
                : StepOutcome.NoOp(report.NoNodeReason ?? "no node for the instance");
        }

        details["node"] = report.NodeName;
        details["phase"] = report.Phase.WireName();
        details["cordon"] = report.Cordon;
        if (report.Skipped.Count > 0)
        {
            details["skipped"] = Join(report.Skipped.Select(p => $"{p.Key}={p.Value}"));
        }

        if (report.DryRun)
        {
            details["would_evict"] = Join(report.WouldEvict);
            details["would_evict_count"] = Count(report.WouldEvict.Count);
            return new StepOutcome
            {
                Status = StepStatus.NoOp,
                Reason = $"dry run: {report.Cordon} node {report.NodeName}, would evict {report.WouldEvict.Count} pods",
                Details = details,
            };
        }

        details["successor_wait"] = report.SuccessorWait;
        details["traffic_wait"] = report.TrafficWait;
        details["evicted"] = Join(report.Evicted);
        details["evicted_count"] = Count(report.Evicted.Count);
        details["remaining_count"] = Count(report.Remaining.Count);
        if (report.Remaining.Count > 0)
        {
            details["remaining"] = Join(report.Remaining.Select(p => $"{p.Key}={p.Value}"));
        }

        if (report.Error is not null)
        {
            details["error"] = report.Error;
            return StepOutcome.Failed($"drain of {report.NodeName} stopped: {report.Error}", details);
        }

        if (report.DeadlineReached && report.Phase is DrainPhase.Cordon or DrainPhase.SuccessorWait or DrainPhase.ListPods)
        {
            return StepOutcome.Failed($"deadline reached during {report.Phase.WireName()} of {report.NodeName}: no pod was evicted", details);
        }

        if (report.Remaining.Count > 0)
        {
            string why = report.DeadlineReached ? "deadline reached" : "evictions refused";
            return StepOutcome.Failed($"partial drain of {report.NodeName}: {why} with {report.Remaining.Count} pods left", details);
        }

        return StepOutcome.Done($"node {report.NodeName} drained: {report.Evicted.Count} pods evicted", details);
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Join(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= MaxListedPods
            ? string.Join(',', list)
            : string.Join(',', list.Take(MaxListedPods)) + $",+{(list.Count - MaxListedPods).ToString(CultureInfo.InvariantCulture)} more";
    }
}
