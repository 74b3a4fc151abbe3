using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>
/// Drains the node of an interrupted instance the way `kubectl drain` does, inside the reclaim window:
/// find the node, cordon, taint and label it, optionally wait for the successor, evict through the
/// Eviction API in parallel (PodDisruptionBudgets respected, 429 retried with backoff), then wait for the
/// pods to leave. Whatever the deadline cuts short is reported, never thrown.
/// </summary>
public sealed class NodeDrainer
{
    /// <summary>The taint aws-node-termination-handler puts on a node with a Spot interruption notice.</summary>
    public const string SpotInterruptionTaint = "aws-node-termination-handler/spot-itn";
    public const string ExcludeFromLoadBalancersLabel = "node.kubernetes.io/exclude-from-external-load-balancers";
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    /// <summary>Time kept for evictions when deciding how long the successor may be waited for.</summary>
    public static readonly TimeSpan EvictionReserve = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);

    private readonly IKubernetes _client;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public NodeDrainer(IKubernetes client, TimeProvider clock, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(logger);
        _client = client;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The providerID the AWS cloud provider gives an instance's node.</summary>
    public static string ProviderId(string availabilityZone, string instanceId) => $"aws:///{availabilityZone}/{instanceId}";

    public async Task<DrainReport> DrainAsync(DrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var report = new DrainReport { DryRun = request.DryRun };
        TimeSpan left = request.Deadline - _clock.GetUtcNow();
        using var deadlineCts = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadlineCts.Token);
        CancellationToken token = linked.Token;
        var pods = new Dictionary<string, PodState>(StringComparer.Ordinal);
        try
        {
            V1Node? node = await FindNodeAsync(request, token).ConfigureAwait(false);
            if (node is null)
            {
                report.NoNodeReason = $"no node has providerID {ProviderId(request.AvailabilityZone, request.InstanceId)}"
                    + (request.PrivateDnsName is null ? "" : $" or name {request.PrivateDnsName}");
                return report;
            }

            string nodeName = node.Metadata.Name;
            report.NodeName = nodeName;
            if (request.DryRun)
            {
                report.Cordon = IsCordoned(node, request) ? "already cordoned" : "would cordon, taint and label";
                foreach (V1Pod pod in await ListPodsAsync(nodeName, token).ConfigureAwait(false))
                {
                    PodDisposition disposition = PodClassifier.Classify(pod);
                    if (disposition is PodDisposition.Evict or PodDisposition.AlreadyTerminating)
                    {
                        report.WouldEvict.Add(Key(pod));
                    }
                    else
                    {
                        report.Skipped[Key(pod)] = SkipReason(disposition);
                    }
                }

                return report;
            }

            report.Phase = "cordon";
            report.Cordon = await CordonAsync(node, request, token).ConfigureAwait(false);
            report.Phase = "successor-wait";
            report.SuccessorWait = await WaitForSuccessorAsync(request, nodeName, token).ConfigureAwait(false);

            report.Phase = "list-pods";
            foreach (V1Pod pod in await ListPodsAsync(nodeName, token).ConfigureAwait(false))
            {
                PodDisposition disposition = PodClassifier.Classify(pod);
                if (disposition is PodDisposition.Evict or PodDisposition.AlreadyTerminating)
                {
                    pods[Key(pod)] = new PodState(pod, disposition == PodDisposition.AlreadyTerminating);
                }
                else
                {
                    report.Skipped[Key(pod)] = SkipReason(disposition);
                }
            }

            _logger.LogInformation("Draining node {Node}: {Count} pods to evict, {Skipped} skipped", nodeName, pods.Count, report.Skipped.Count);
            report.Phase = "evict";
            // Evictions blocked by a budget go on retrying while the accepted ones are watched leave.
            Task evictions = Task.WhenAll(pods.Values.Where(p => !p.Accepted).Select(p => EvictAsync(p, request, token)));
            await WaitForPodsGoneAsync(nodeName, pods, evictions, token).ConfigureAwait(false);
            await evictions.ConfigureAwait(false);
            report.Phase = "done";
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            report.DeadlineReached = true;
        }
        catch (HttpOperationException ex)
        {
            report.Error = Describe(ex);
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

        return report;
    }

    private async Task<V1Node?> FindNodeAsync(DrainRequest request, CancellationToken cancellationToken)
    {
        // providerID is not a supported field selector: narrow by zone label, then match.
        V1NodeList inZone = await _client.CoreV1.ListNodeAsync(labelSelector: $"{ZoneLabel}={request.AvailabilityZone}", cancellationToken: cancellationToken).ConfigureAwait(false);
        V1Node? node = MatchProviderId(inZone.Items, request.InstanceId);
        if (node is not null)
        {
            return node;
        }

        if (!string.IsNullOrEmpty(request.PrivateDnsName))
        {
            V1NodeList byName = await _client.CoreV1.ListNodeAsync(fieldSelector: $"metadata.name={request.PrivateDnsName}", cancellationToken: cancellationToken).ConfigureAwait(false);
            if (byName.Items.Count > 0)
            {
                return byName.Items[0];
            }
        }

        if (inZone.Items.Count == 0)
        {
            // Nodes without the zone label (older clusters): one unfiltered pass.
            V1NodeList all = await _client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return MatchProviderId(all.Items, request.InstanceId);
        }

        return null;
    }

    private static V1Node? MatchProviderId(IList<V1Node> nodes, string instanceId) =>
        nodes.FirstOrDefault(n => n.Spec?.ProviderID is { } id && id.StartsWith("aws://", StringComparison.Ordinal) && id.EndsWith("/" + instanceId, StringComparison.Ordinal));

    private static bool IsCordoned(V1Node node, DrainRequest request) =>
        node.Spec?.Unschedulable == true
        && node.Spec.Taints?.Any(t => t.Key == SpotInterruptionTaint) == true
        && node.Metadata.Labels?.TryGetValue(ExcludeFromLoadBalancersLabel, out string? value) == true && value == "true";

    /// <summary>
    /// One merge patch sets unschedulable, the taint and the label together. The taint list is replaced whole by a
    /// merge patch, so the patch carries the node's resourceVersion: a concurrent change answers 409 and is retried.
    /// </summary>
    private async Task<string> CordonAsync(V1Node node, DrainRequest request, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (IsCordoned(node, request))
            {
                return "already cordoned";
            }

            string patch = BuildCordonPatch(node, request.EventId);
            try
            {
                await _client.CoreV1.PatchNodeAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Cordoned, tainted and labelled node {Node}", node.Metadata.Name);
                return "cordoned";
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt < 4)
            {
                node = await _client.CoreV1.ReadNodeAsync(node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The merge patch that cordons, taints and labels <paramref name="node"/>, keeping its other taints.</summary>
    public static string BuildCordonPatch(V1Node node, string eventId)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            if (node.Metadata.ResourceVersion is { } version)
            {
                json.WriteString("resourceVersion", version);
            }

            json.WriteStartObject("labels");
            json.WriteString(ExcludeFromLoadBalancersLabel, "true");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("spec");
            json.WriteBoolean("unschedulable", true);
            json.WriteStartArray("taints");
            foreach (V1Taint taint in node.Spec?.Taints ?? [])
            {
                if (taint.Key == SpotInterruptionTaint)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("key", taint.Key);
                if (taint.Value is not null)
                {
                    json.WriteString("value", taint.Value);
                }

                json.WriteString("effect", taint.Effect);
                if (taint.TimeAdded is { } added)
                {
                    json.WriteString("timeAdded", added.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                }

                json.WriteEndObject();
            }

            json.WriteStartObject();
            json.WriteString("key", SpotInterruptionTaint);
            json.WriteString("value", TaintValue(eventId));
            json.WriteString("effect", "NoSchedule");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A taint value is a label value: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends.</summary>
    public static string TaintValue(string eventId)
    {
        string cleaned = new((eventId ?? "").Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(63).ToArray());
        return cleaned.Trim('-', '_', '.');
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
            V1NodeList nodes = await _client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            V1Node? successor = nodes.Items.FirstOrDefault(n => n.Metadata.Name != doomedNode && IsSuccessor(n, request) && IsReady(n));
            DateTimeOffset now = _clock.GetUtcNow();
            if (successor is not null)
            {
                return $"ready: {successor.Metadata.Name} after {(now - start).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
            }

            if (now + PollInterval > until)
            {
                return $"timed out after {(now - start).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
                    + (request.SuccessorInstanceId is null ? " waiting for a new Ready node" : $" waiting for {request.SuccessorInstanceId}");
            }

            await Task.Delay(PollInterval, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsSuccessor(V1Node node, DrainRequest request)
    {
        if (request.SuccessorInstanceId is not null)
        {
            return node.Spec?.ProviderID?.EndsWith("/" + request.SuccessorInstanceId, StringComparison.Ordinal) == true;
        }

        // Unknown successor: a node that joined after the warning and takes pods.
        return node.Spec?.Unschedulable != true && node.Metadata.CreationTimestamp is { } created && created.ToUniversalTime() >= request.WarningTime.UtcDateTime;
    }

    private static bool IsReady(V1Node node) =>
        node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private async Task<IList<V1Pod>> ListPodsAsync(string nodeName, CancellationToken cancellationToken)
    {
        V1PodList list = await _client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={nodeName}", cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items;
    }

    private async Task EvictAsync(PodState state, DrainRequest request, CancellationToken cancellationToken)
    {
        V1Pod pod = state.Pod;
        TimeSpan backoff = TimeSpan.FromMilliseconds(500);
        while (!cancellationToken.IsCancellationRequested)
        {
            long grace = PodClassifier.GracePeriodSeconds(pod, request.MaxGraceSeconds, request.Deadline - _clock.GetUtcNow());
            var eviction = new V1Eviction
            {
                ApiVersion = "policy/v1",
                Kind = "Eviction",
                Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty },
                DeleteOptions = new V1DeleteOptions { GracePeriodSeconds = grace },
            };
            try
            {
                await _client.CoreV1.CreateNamespacedPodEvictionAsync(eviction, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                state.Accepted = true;
                state.GraceSeconds = grace;
                state.LastError = null;
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                state.Accepted = true;
                state.Gone = true;
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // A PodDisruptionBudget allows no disruption now; it may once a pod elsewhere becomes ready.
                state.LastError = "pdb: " + StatusMessage(ex);
            }
            catch (HttpOperationException ex) when ((int)ex.Response.StatusCode >= 500)
            {
                state.LastError = "error: " + Describe(ex);
            }
            catch (HttpOperationException ex)
            {
                state.LastError = "error: " + Describe(ex);
                _logger.LogWarning("Eviction of {Pod} refused: {Error}", Key(pod), state.LastError);
                return;
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                state.LastError = "error: " + ex.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                state.LastError = "error: the eviction request timed out";
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
                foreach (V1Pod pod in await ListPodsAsync(nodeName, cancellationToken).ConfigureAwait(false))
                {
                    if (pods.TryGetValue(Key(pod), out PodState? state) && state.Pod.Metadata.Uid == pod.Metadata.Uid)
                    {
                        present.Add(Key(pod));
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

    private static string Key(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    private static string SkipReason(PodDisposition disposition) => disposition switch
    {
        PodDisposition.SkipDaemonSet => "daemonset",
        PodDisposition.SkipMirror => "mirror",
        PodDisposition.SkipFinished => "finished",
        _ => disposition.ToString(),
    };

    /// <summary>"403 Forbidden: message" from the Status body the API server sends with an error.</summary>
    public static string Describe(HttpOperationException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        int code = (int)ex.Response.StatusCode;
        return $"{code.ToString(CultureInfo.InvariantCulture)} {ex.Response.ReasonPhrase}: {StatusMessage(ex)}";
    }

    private static string StatusMessage(HttpOperationException ex)
    {
        string? content = ex.Response?.Content;
        if (!string.IsNullOrEmpty(content))
        {
            try
            {
                using var document = JsonDocument.Parse(content);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out JsonElement message))
                {
                    return message.GetString() ?? "";
                }
            }
            catch (JsonException)
            {
            }
        }

        return ex.Message;
    }

    private sealed class PodState(V1Pod pod, bool alreadyTerminating)
    {
        public V1Pod Pod { get; } = pod;

        /// <summary>The eviction was accepted (or the pod was already terminating): the pod is on its way out.</summary>
        public bool Accepted { get; set; } = alreadyTerminating;

        public bool Gone { get; set; }

        public long? GraceSeconds { get; set; } = pod.Spec?.TerminationGracePeriodSeconds;

        public string? LastError { get; set; }
    }
}
