using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MaxGroup.Core.Model;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>
/// Writes a drain's <see cref="NodeEvent"/> as a core/v1 Event on the Node, the way kubelet, `kubectl drain` and
/// aws-node-termination-handler record node events: involvedObject the Node (cluster-scoped, so the Event lives in the
/// `default` namespace), source component `maxgroup`, type Normal or Warning, first and last timestamp the event's
/// time and count 1. The legacy core/v1 shape (no eventTime) is what `kubectl describe node` lists, and the API
/// server's validation of it needs no reportingController. RBAC: `create` on `events` in the core group.
/// </summary>
public sealed class NodeEventRecorder(IKubernetes client)
{
    /// <summary>Component and reporting controller the events name.</summary>
    public const string Component = "maxgroup";

    /// <summary>Where events about cluster-scoped objects live (client-go's recorder uses it too).</summary>
    public const string EventNamespace = "default";

    /// <summary>A message longer than this is cut (events.k8s.io caps its note at 1 kB; core/v1 keeps the same bound here).</summary>
    public const int MaxMessageLength = 1024;

    private readonly IKubernetes _client = client ?? throw new ArgumentNullException(nameof(client));
    private long _sequence;

    public async Task RecordAsync(DrainNode node, string? nodeUid, NodeEvent nodeEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(nodeEvent);
        Corev1Event body = Build(node.Name, nodeUid, nodeEvent, Interlocked.Increment(ref _sequence));
        try
        {
            await _client.CoreV1.CreateNamespacedEventAsync(body, EventNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // AlreadyExists: the name is fixed per event, so a retried POST whose first answer was lost finds its own event.
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    /// <summary>
    /// The Event object. Its name is the node's plus the event time in hexadecimal nanoseconds (client-go's scheme),
    /// plus a per-drain sequence so that two events of the same instant never collide.
    /// </summary>
    public static Corev1Event Build(string nodeName, string? nodeUid, NodeEvent nodeEvent, long sequence)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        ArgumentNullException.ThrowIfNull(nodeEvent);
        long nanos = (nodeEvent.At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        DateTime at = nodeEvent.At.UtcDateTime;
        string message = nodeEvent.Message.Length > MaxMessageLength ? string.Concat(nodeEvent.Message.AsSpan(0, MaxMessageLength - 3), "...") : nodeEvent.Message;
        return new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta
            {
                Name = string.Create(CultureInfo.InvariantCulture, $"{nodeName}.{nanos + sequence:x}"),
                NamespaceProperty = EventNamespace,
            },
            InvolvedObject = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = nodeName, Uid = nodeUid },
            Reason = nodeEvent.Reason,
            Message = message,
            Type = nodeEvent.Warning ? "Warning" : "Normal",
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = Component,
            FirstTimestamp = at,
            LastTimestamp = at,
            Count = 1,
        };
    }
}
