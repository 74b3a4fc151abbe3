using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>
/// The Kubernetes API calls of one drain (<see cref="INodeDrainer"/> over KubernetesClient): find the node by
/// providerID, cordon, taint and label it in one merge patch, list nodes and pods, evict through the Eviction API,
/// record Kubernetes Events on the node.
/// One instance serves one drain: it keeps the node it found so the cordon patch carries that node's resourceVersion.
/// An error answer becomes a <see cref="ClusterApiException"/>; an eviction's answer a <see cref="PodEviction"/>.
/// </summary>
public sealed class NodeDrainer(IKubernetes client) : INodeDrainer
{
    /// <summary>The taint aws-node-termination-handler puts on a node with a Spot interruption notice.</summary>
    public const string SpotInterruptionTaint = "aws-node-termination-handler/spot-itn";
    public const string ExcludeFromLoadBalancersLabel = "node.kubernetes.io/exclude-from-external-load-balancers";
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    private readonly IKubernetes _client = client ?? throw new ArgumentNullException(nameof(client));
    private readonly PodEvictor _evictor = new PodEvictor(client);
    private readonly NodeEventRecorder _events = new NodeEventRecorder(client);
    private V1Node? _found;

    public async Task<DrainNode?> FindNodeAsync(DrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            _found = await FindAsync(request, cancellationToken).ConfigureAwait(false);
            return _found is null ? null : ToDrainNode(_found);
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    /// <summary>
    /// One merge patch sets unschedulable, the taint and the label together. The taint list is replaced whole by a
    /// merge patch, so the patch carries the node's resourceVersion: a concurrent change answers 409 and is retried.
    /// </summary>
    public async Task<CordonResult> CordonAsync(DrainNode node, string eventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        try
        {
            V1Node current = _found?.Metadata.Name == node.Name
                ? _found
                : await _client.CoreV1.ReadNodeAsync(node.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            for (int attempt = 1; ; attempt++)
            {
                if (IsCordoned(current))
                {
                    return CordonResult.AlreadyCordoned;
                }

                string patch = BuildCordonPatch(current, eventId);
                try
                {
                    await _client.CoreV1.PatchNodeAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), current.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return CordonResult.Cordoned;
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt < 4)
                {
                    current = await _client.CoreV1.ReadNodeAsync(current.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    public async Task<IReadOnlyList<DrainNode>> ListNodesAsync(CancellationToken cancellationToken)
    {
        try
        {
            V1NodeList nodes = await _client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return nodes.Items.Select(ToDrainNode).ToList();
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    public async Task<IReadOnlyList<DrainPod>> ListPodsAsync(string nodeName, CancellationToken cancellationToken)
    {
        try
        {
            V1PodList list = await _client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={nodeName}", cancellationToken: cancellationToken).ConfigureAwait(false);
            return list.Items.Select(ToDrainPod).ToList();
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    public Task<PodEviction> EvictAsync(DrainPod pod, long gracePeriodSeconds, CancellationToken cancellationToken) =>
        _evictor.EvictAsync(pod, gracePeriodSeconds, cancellationToken);

    /// <summary>A core/v1 Event on the node (<see cref="NodeEventRecorder"/>), naming the node's uid when this drain found it.</summary>
    public Task RecordEventAsync(DrainNode node, NodeEvent nodeEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        string? uid = _found?.Metadata.Name == node.Name ? _found.Metadata.Uid : null;
        return _events.RecordAsync(node, uid, nodeEvent, cancellationToken);
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

    private async Task<V1Node?> FindAsync(DrainRequest request, CancellationToken cancellationToken)
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

    private static bool IsCordoned(V1Node node) =>
        node.Spec?.Unschedulable == true
        && node.Spec.Taints?.Any(t => t.Key == SpotInterruptionTaint) == true
        && node.Metadata.Labels?.TryGetValue(ExcludeFromLoadBalancersLabel, out string? value) == true && value == "true";

    private static DrainNode ToDrainNode(V1Node node) => new()
    {
        Name = node.Metadata.Name,
        ProviderId = node.Spec?.ProviderID,
        Unschedulable = node.Spec?.Unschedulable == true,
        Ready = node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
        CreatedAt = node.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created.ToUniversalTime(), DateTimeKind.Utc)) : null,
        Cordoned = IsCordoned(node),
    };

    private static DrainPod ToDrainPod(V1Pod pod) => new(
        pod.Metadata.NamespaceProperty,
        pod.Metadata.Name,
        pod.Metadata.Uid,
        PodClassifier.Classify(pod),
        pod.Spec?.TerminationGracePeriodSeconds);
}
