using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Drain;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>
/// The Kubernetes calls for the Node of a terminated instance (<see cref="ITerminatedNodeApi"/> over KubernetesClient):
/// find it by providerID only, add the out-of-service taint in a merge patch conditioned on the node's resourceVersion
/// (a merge patch replaces the taint list whole, so a concurrent change answers 409 and is read again), or delete it.
/// </summary>
public sealed class TerminatedNodeApi(IKubernetes client, TimeProvider clock) : ITerminatedNodeApi
{
    private const int MaxAttempts = 4;

    private readonly IKubernetes _client = client ?? throw new ArgumentNullException(nameof(client));
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));

    public async Task<DrainNode?> FindNodeAsync(string instanceId, string? availabilityZone, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        try
        {
            V1Node? node;
            V1NodeList? inZone = string.IsNullOrEmpty(availabilityZone)
                ? null
                : await _client.CoreV1.ListNodeAsync(labelSelector: $"{NodeDrainer.ZoneLabel}={availabilityZone}", cancellationToken: cancellationToken).ConfigureAwait(false);
            if (inZone is { Items.Count: > 0 })
            {
                // The usual end: the node is already gone, and a large cluster is not listed whole for it.
                node = Match(inZone.Items, instanceId);
            }
            else
            {
                // Zone unknown (EC2 no longer reports the instance), or nodes without the zone label (older clusters).
                V1NodeList all = await _client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                node = Match(all.Items, instanceId);
            }

            return node is null ? null : new DrainNode { Name = node.Metadata.Name, ProviderId = node.Spec?.ProviderID, Unschedulable = node.Spec?.Unschedulable == true };
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    public async Task<bool> TaintOutOfServiceAsync(string nodeName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                V1Node current = await _client.CoreV1.ReadNodeAsync(nodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (HasOutOfServiceTaint(current))
                {
                    return false;
                }

                try
                {
                    string patch = BuildTaintPatch(current, _clock.GetUtcNow());
                    await _client.CoreV1.PatchNodeAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), nodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt < MaxAttempts)
                {
                    // Changed since the read (the node controller's own taints): read it again.
                }
            }
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    public async Task<bool> DeleteNodeAsync(string nodeName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        try
        {
            await _client.CoreV1.DeleteNodeAsync(nodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (HttpOperationException ex)
        {
            throw PodEvictor.Translate(ex);
        }
    }

    /// <summary>The merge patch adding the out-of-service taint to <paramref name="node"/>'s own taints, with its resourceVersion.</summary>
    public static string BuildTaintPatch(V1Node node, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (node.Metadata?.ResourceVersion is { } version)
            {
                json.WriteStartObject("metadata");
                json.WriteString("resourceVersion", version);
                json.WriteEndObject();
            }

            json.WriteStartObject("spec");
            json.WriteStartArray("taints");
            foreach (V1Taint taint in node.Spec?.Taints ?? [])
            {
                WriteTaint(json, taint.Key, taint.Value, taint.Effect, taint.TimeAdded is { } added ? new DateTimeOffset(DateTime.SpecifyKind(added.ToUniversalTime(), DateTimeKind.Utc)) : null);
            }

            // kubectl stamps timeAdded on a NoExecute taint as well.
            WriteTaint(json, TerminatedNodeCleanup.OutOfServiceTaintKey, TerminatedNodeCleanup.OutOfServiceTaintValue, TerminatedNodeCleanup.OutOfServiceTaintEffect, now);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTaint(Utf8JsonWriter json, string key, string? value, string effect, DateTimeOffset? added)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        if (value is not null)
        {
            json.WriteString("value", value);
        }

        json.WriteString("effect", effect);
        if (added is { } at)
        {
            json.WriteString("timeAdded", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }

        json.WriteEndObject();
    }

    private static bool HasOutOfServiceTaint(V1Node node) =>
        node.Spec?.Taints?.Any(t => t.Key == TerminatedNodeCleanup.OutOfServiceTaintKey && t.Effect == TerminatedNodeCleanup.OutOfServiceTaintEffect) == true;

    // providerID only: the terminated instance's private DNS name (the node name on EKS) may already be a new node's.
    private static V1Node? Match(IList<V1Node> nodes, string instanceId) =>
        nodes.FirstOrDefault(n => n.Spec?.ProviderID is { } id && id.StartsWith("aws://", StringComparison.Ordinal) && id.EndsWith("/" + instanceId, StringComparison.Ordinal));
}
