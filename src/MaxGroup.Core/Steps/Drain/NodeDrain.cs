using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Drain;

/// <summary>
/// Drains the node of an interrupted instance the way `kubectl drain` does, inside the reclaim window:
/// find the node, cordon, taint and label it, optionally wait for the successor, evict through the
/// Eviction API in parallel (PodDisruptionBudgets respected, 429 retried with backoff), then wait for the
/// pods to leave. Whatever the deadline cuts short is reported, never thrown.
/// </summary>
/// <remarks>With a <see cref="ITrafficGate"/>, evictions wait (alongside the successor wait) for the traffic step to take the instance out of its load balancers.</remarks>
public sealed class NodeDrain(INodeDrainer cluster, TimeProvider clock, ILogger logger, ITrafficGate? trafficGate = null)
{
    /// <summary>Time the traffic step may need beyond its own wait (its start, the describes).</summary>
    public static readonly TimeSpan TrafficSlack = TimeSpan.FromSeconds(5);

    /// <summary>Time kept for evictions when deciding how long the successor may be waited for.</summary>
    public static readonly TimeSpan EvictionReserve = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);

    private readonly INodeDrainer _cluster = cluster ?? throw new ArgumentNullException(nameof(cluster));
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));
    private readonly ILogger _logger = logger ?? throw new ArgumentNullException(nameof(logger));

    /// <summary>The providerID the AWS cloud provider gives an instance's node.</summary>
    public static string ProviderId(string availabilityZone, string instanceId) => $"aws:///{availabilityZone}/{instanceId}";

    /// <summary>
    /// The grace period to ask for: the pod's own terminationGracePeriodSeconds (30 when unset, the API default),
    /// capped by k8s_node_drain_grace_second and by the whole seconds left before the deadline, at least 1 s so the
    /// containers still get SIGTERM before SIGKILL. An explicit 0 stays 0.
    /// </summary>
    public static long GracePeriodSeconds(long? ownGraceSeconds, int maxGraceSeconds, TimeSpan timeLeft)
    {
        long own = ownGraceSeconds ?? 30;
        if (own <= 0)
        {
            return 0;
        }

        long left = (long)Math.Floor(timeLeft.TotalSeconds);
        long grace = Math.Min(own, Math.Min(Math.Max(maxGraceSeconds, 0), left));
        return Math.Max(grace, 1);
    }

    /// <summary>The wait for the traffic step, bounded by its own wait plus <see cref="TrafficSlack"/> and by the eviction reserve.</summary>
    private Task<string>? WaitForTrafficAsync(DrainRequest request, CancellationToken token)
    {
        if (trafficGate is null || request.TrafficWaitSeconds is not int seconds)
        {
            return null;
        }

        DateTimeOffset cap = _clock.GetUtcNow() + TimeSpan.FromSeconds(seconds) + TrafficSlack;
        DateTimeOffset latest = request.Deadline - EvictionReserve;
        return trafficGate.WaitAsync(request.InstanceId, cap < latest ? cap : latest, token);
    }

    public async Task<DrainReport> DrainAsync(DrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var report = new DrainReport { DryRun = request.DryRun };
        TimeSpan left = request.Deadline - _clock.GetUtcNow();
        using var deadlineCts = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadlineCts.Token);
        CancellationToken token = linked.Token;
        var pods = new Dictionary<string, PodState>(StringComparer.Ordinal);
        // Set once the node is cordoned: from then on the node's Kubernetes Events tell what the drain does (not in a dry run).
        DrainEvents? events = null;
        try
        {
            DrainNode? node = await _cluster.FindNodeAsync(request, token).ConfigureAwait(false);
            if (node is null)
            {
                report.NoNodeReason = $"no node has providerID {ProviderId(request.AvailabilityZone, request.InstanceId)}"
                    + (request.PrivateDnsName is null ? "" : $" or name {request.PrivateDnsName}");
                return report;
            }

            string nodeName = node.Name;
            report.NodeName = nodeName;
            if (request.DryRun)
            {
                report.Cordon = node.Cordoned ? "already cordoned" : "would cordon, taint and label";
                foreach (DrainPod pod in await _cluster.ListPodsAsync(nodeName, token).ConfigureAwait(false))
                {
                    if (pod.Disposition is PodDisposition.Evict or PodDisposition.AlreadyTerminating)
                    {
                        report.WouldEvict.Add(pod.Key);
                    }
                    else
                    {
                        report.Skipped[pod.Key] = SkipReason(pod.Disposition);
                    }
                }

                return report;
            }

            report.Phase = DrainPhase.Cordon;
            report.Cordon = await CordonAsync(node, request, token).ConfigureAwait(false);
            events = new DrainEvents(_cluster, node, _clock, _logger);
            events.Started(request, report.Cordon);
            report.Phase = DrainPhase.SuccessorWait;
            Task<string>? traffic = WaitForTrafficAsync(request, token);
            report.SuccessorWait = await WaitForSuccessorAsync(request, nodeName, token).ConfigureAwait(false);
            if (traffic is not null)
            {
                report.TrafficWait = await traffic.ConfigureAwait(false);
            }

            report.Phase = DrainPhase.ListPods;
            foreach (DrainPod pod in await _cluster.ListPodsAsync(nodeName, token).ConfigureAwait(false))
            {
                if (pod.Disposition is PodDisposition.Evict or PodDisposition.AlreadyTerminating)
                {
                    pods[pod.Key] = new PodState(pod, pod.Disposition == PodDisposition.AlreadyTerminating);
                }
                else
                {
                    report.Skipped[pod.Key] = SkipReason(pod.Disposition);
                }
            }

            _logger.LogInformation("Draining node {Node}: {Count} pods to evict, {Skipped} skipped", nodeName, pods.Count, report.Skipped.Count);
            report.Phase = DrainPhase.Evict;
            // Evictions blocked by a budget go on retrying while the accepted ones are watched leave.
            Task evictions = Task.WhenAll(pods.Values.Where(p => !p.Accepted).Select(p => EvictAsync(p, request, events, token)));
            await WaitForPodsGoneAsync(nodeName, pods, evictions, token).ConfigureAwait(false);
            await evictions.ConfigureAwait(false);
            report.Phase = DrainPhase.Done;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            report.DeadlineReached = true;
        }
        catch (ClusterApiException ex)
        {
            report.Error = ex.Message;
            _logger.LogError("Drain stopped by the Kubernetes API: {Error}", report.Error);
        }
        catch (HttpRequestException ex)
        {
            report.Error = $"Kubernetes API unreachable: {ex.Message}";
            _logger.LogError("Drain stopped: {Error}", report.Error);
        }
        catch (OperationCanceledException)
        {
            // Not our deadline: the HTTP client's own timeout.
            report.Error = "Kubernetes API did not answer in time";
            _logger.LogError("Drain stopped: {Error}", report.Error);
        }
        catch (Exception)
        {
            // Anything else is the runner's to report; the event sender must not outlive the drain.
            events?.Dispose();
            throw;
        }

        foreach ((string key, PodState state) in pods)
        {
            if (state.Gone)
            {
                report.Evicted.Add(key);
            }
            else
            {
                report.Remaining[key] = state.Accepted
                    ? $"terminating (grace {state.GraceSeconds?.ToString(CultureInfo.InvariantCulture) ?? "own"} s)"
                    : state.LastError ?? (report.DeadlineReached ? "deadline: not evicted in time" : "not evicted");
            }
        }

        report.Evicted.Sort(StringComparer.Ordinal);
        if (report.DeadlineReached && report.NodeName is null && report.NoNodeReason is null)
        {
            report.NoNodeReason = "deadline reached before the node was found";
        }

        if (events is not null)
        {
            using (events)
            {
                events.Ended(report);
                // The caller's token, not the deadline's: the end is told even when the reclaim deadline stopped the drain.
                await events.FlushAsync(cancellationToken).ConfigureAwait(false);
                report.NodeEventsRecorded = events.Recorded;
                report.NodeEventsFailed = events.Failed;
            }
        }

        return report;
    }

    private async Task<string> CordonAsync(DrainNode node, DrainRequest request, CancellationToken cancellationToken)
    {
        CordonResult result = await _cluster.CordonAsync(node, request.EventId, cancellationToken).ConfigureAwait(false);
        if (result == CordonResult.AlreadyCordoned)
        {
            return "already cordoned";
        }

        _logger.LogInformation("Cordoned, tainted and labelled node {Node}", node.Name);
        return "cordoned";
    }

    private async Task<string> WaitForSuccessorAsync(DrainRequest request, string doomedNode, CancellationToken cancellationToken)
    {
        if (request.SuccessorWaitSeconds <= 0)
        {
            return "not requested";
        }

        DateTimeOffset start = _clock.GetUtcNow();
        DateTimeOffset until = start + TimeSpan.FromSeconds(request.SuccessorWaitSeconds);
        DateTimeOffset latest = request.Deadline - EvictionReserve;
        if (latest < until)
        {
            until = latest;
        }

        if (until <= start)
        {
            return "skipped: no time left before the deadline";
        }

        while (true)
        {
            IReadOnlyList<DrainNode> nodes = await _cluster.ListNodesAsync(cancellationToken).ConfigureAwait(false);
            DrainNode? successor = nodes.FirstOrDefault(n => n.Name != doomedNode && IsSuccessor(n, request) && n.Ready);
            DateTimeOffset now = _clock.GetUtcNow();
            if (successor is not null)
            {
                return $"ready: {successor.Name} after {(now - start).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
            }

            if (now + PollInterval > until)
            {
                return $"timed out after {(now - start).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
                    + (request.SuccessorInstanceId is null ? " waiting for a new Ready node" : $" waiting for {request.SuccessorInstanceId}");
            }

            await Task.Delay(PollInterval, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsSuccessor(DrainNode node, DrainRequest request)
    {
        if (request.SuccessorInstanceId is not null)
        {
            return node.ProviderId?.EndsWith("/" + request.SuccessorInstanceId, StringComparison.Ordinal) == true;
        }

        // Unknown successor: a node that joined after the warning and takes pods.
        return !node.Unschedulable && node.CreatedAt is { } created && created >= request.WarningTime;
    }

    private async Task EvictAsync(PodState state, DrainRequest request, DrainEvents events, CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(500);
        while (!cancellationToken.IsCancellationRequested)
        {
            long grace = GracePeriodSeconds(state.Pod.TerminationGracePeriodSeconds, request.MaxGraceSeconds, request.Deadline - _clock.GetUtcNow());
            PodEviction eviction = await _cluster.EvictAsync(state.Pod, grace, cancellationToken).ConfigureAwait(false);
            switch (eviction.Kind)
            {
                case PodEvictionKind.Accepted:
                    state.Accepted = true;
                    state.GraceSeconds = grace;
                    state.LastError = null;
                    events.Evicted(state.Pod.Key, grace);
                    return;
                case PodEvictionKind.Gone:
                    state.Accepted = true;
                    state.Gone = true;
                    return;
                case PodEvictionKind.Blocked:
                    // A PodDisruptionBudget allows no disruption now; it may once a pod elsewhere becomes ready.
                    state.LastError = "pdb: " + eviction.Error;
                    if (!state.BlockedTold)
                    {
                        state.BlockedTold = true;
                        events.Blocked(state.Pod.Key, eviction.Error, request.Deadline);
                    }

                    break;
                case PodEvictionKind.Refused:
                    state.LastError = "error: " + eviction.Error;
                    _logger.LogWarning("Eviction of {Pod} refused: {Error}", state.Pod.Key, state.LastError);
                    return;
                default:
                    state.LastError = "error: " + eviction.Error;
                    break;
            }

            TimeSpan jittered = backoff * (0.8 + (Random.Shared.NextDouble() * 0.4));
            await Task.Delay(jittered, _clock, cancellationToken).ConfigureAwait(false);
            backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task WaitForPodsGoneAsync(string nodeName, Dictionary<string, PodState> pods, Task evictions, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Sampled before the poll so that a pod accepted during the poll is polled again.
            bool evictionsOver = evictions.IsCompleted;
            if (pods.Values.Any(p => p.Accepted && !p.Gone))
            {
                var present = new HashSet<string>(StringComparer.Ordinal);
                foreach (DrainPod pod in await _cluster.ListPodsAsync(nodeName, cancellationToken).ConfigureAwait(false))
                {
                    if (pods.TryGetValue(pod.Key, out PodState? state) && state.Pod.Uid == pod.Uid)
                    {
                        present.Add(pod.Key);
                    }
                }

                foreach ((string key, PodState state) in pods)
                {
                    if (state.Accepted && !present.Contains(key))
                    {
                        state.Gone = true;
                    }
                }
            }

            // Pods whose eviction was refused for good will not leave: they are not waited for.
            if (evictionsOver && pods.Values.All(p => p.Gone || !p.Accepted))
            {
                return;
            }

            if (evictions.IsFaulted || evictions.IsCanceled)
            {
                return;
            }

            if (evictionsOver)
            {
                await Task.Delay(PollInterval, _clock, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Wake early when the last eviction settles, so the final poll is not a full interval late.
                await Task.WhenAny(evictions, Task.Delay(PollInterval, _clock, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    private static string SkipReason(PodDisposition disposition) => disposition switch
    {
        PodDisposition.SkipDaemonSet => "daemonset",
        PodDisposition.SkipMirror => "mirror",
        PodDisposition.SkipFinished => "finished",
        _ => disposition.ToString(),
    };

    private sealed class PodState(DrainPod pod, bool alreadyTerminating)
    {
        public DrainPod Pod { get; } = pod;

        /// <summary>The eviction was accepted (or the pod was already terminating): the pod is on its way out.</summary>
        public bool Accepted { get; set; } = alreadyTerminating;

        public bool Gone { get; set; }

        public long? GraceSeconds { get; set; } = pod.TerminationGracePeriodSeconds;

        public string? LastError { get; set; }

        /// <summary>The node's events already say this pod's eviction is blocked: told once, however often it is retried.</summary>
        public bool BlockedTold { get; set; }
    }
}
