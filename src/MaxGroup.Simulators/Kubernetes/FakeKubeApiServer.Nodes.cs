using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Simulators.Kubernetes;

/// <summary>Node deletion and the record of every change to a node.</summary>
public sealed partial class FakeKubeApiServer
{
    private const string RequestIndexItem = "maxgroup.request-index";

    private readonly List<RecordedNodeChange> _nodeChanges = [];

    /// <summary>Every patch and delete of a node the fake applied, in order, each with its taints afterwards.</summary>
    public IReadOnlyList<RecordedNodeChange> NodeChanges
    {
        get
        {
            lock (_lock)
            {
                return _nodeChanges.ToList();
            }
        }
    }

    /// <summary>True while the node exists.</summary>
    public bool HasNode(string name)
    {
        lock (_lock)
        {
            return _nodes.ContainsKey(name);
        }
    }

    /// <summary>DELETE of a node: 200 with the object as it was (a node has no finalizers, so it goes at once), 404 when absent.</summary>
    private async Task DeleteNodeAsync(HttpContext context, string name)
    {
        JsonObject? deleted;
        lock (_lock)
        {
            if (_nodes.Remove(name, out deleted))
            {
                RecordNodeChange(context, "delete", name, deleted);
            }
        }

        if (deleted is null)
        {
            await WriteNotFoundAsync(context, "nodes", name);
            return;
        }

        await WriteJsonAsync(context, 200, deleted);
    }

    /// <summary>Called under the lock; the request's index was noted when it arrived.</summary>
    private void RecordNodeChange(HttpContext context, string kind, string name, JsonObject node)
    {
        IReadOnlyList<string> taints = node["spec"]?["taints"] is JsonArray array
            ? array.Select(t => $"{t?["key"]?.GetValue<string>()}={t?["value"]?.GetValue<string>()}:{t?["effect"]?.GetValue<string>()}").ToList()
            : [];
        _nodeChanges.Add(new RecordedNodeChange((int)context.Items[RequestIndexItem]!, _time.GetUtcNow(), kind, name, taints));
    }

    /// <summary>
    /// One change to a node: its request's index in <see cref="Requests"/>, "patch" or "delete", and the node's taints
    /// afterwards as key=value:effect (for a delete: as it was).
    /// </summary>
    public sealed record RecordedNodeChange(int RequestIndex, DateTimeOffset At, string Kind, string Node, IReadOnlyList<string> Taints);
}
