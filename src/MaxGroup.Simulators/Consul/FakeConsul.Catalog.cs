using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Simulators.Consul;

/// <summary>The server endpoints MaxGroup's fallback calls: the catalog's node, its deregistration, force-leave.</summary>
public sealed partial class FakeConsul
{
    /// <summary>/v1/catalog/node/{node}: the node and its services; 500 "No path to datacenter" for another dc; null for an unknown node.</summary>
    private async Task CatalogNodeAsync(HttpContext context, string path, bool anonymous)
    {
        HttpRequest request = context.Request;
        string node = Uri.UnescapeDataString(path[CatalogNodePrefix.Length..]);
        string? dc = request.Query["dc"];
        if (!string.IsNullOrEmpty(dc) && dc != Datacenter)
        {
            await WriteAsync(context, 500, "text/plain", "No path to datacenter");
            return;
        }

        Dictionary<string, string>? services;
        lock (_gate)
        {
            services = _catalog.TryGetValue(node, out var found) && !anonymous ? new Dictionary<string, string>(found) : null;
        }

        if (services is null)
        {
            await WriteAsync(context, 200, "application/json", "null");
            return;
        }

        await WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("Node");
            w.WriteString("ID", "7d1c3a9e-5c1b-4a8e-8f1e-2b3c4d5e6f70");
            w.WriteString("Node", node);
            w.WriteString("Address", "10.0.0.9");
            w.WriteString("Datacenter", Datacenter);
            w.WriteEndObject();
            w.WriteStartObject("Services");
            foreach ((string id, string name) in services)
            {
                w.WriteStartObject(id);
                w.WriteString("ID", id);
                w.WriteString("Service", name);
                w.WriteNumber("Port", 8080);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>PUT /v1/catalog/deregister: removes the node from the catalog (a server endpoint).</summary>
    private async Task CatalogDeregisterAsync(HttpContext context, string body, bool anonymous)
    {
        string? node = null;
        string? dc = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            node = document.RootElement.TryGetProperty("Node", out var n) ? n.GetString() : null;
            dc = document.RootElement.TryGetProperty("Datacenter", out var d) ? d.GetString() : null;
        }
        catch (JsonException)
        {
            await WriteAsync(context, 400, "text/plain", "Request decode failed");
            return;
        }

        if (string.IsNullOrEmpty(node))
        {
            await WriteAsync(context, 400, "text/plain", "Must provide node");
            return;
        }

        if (!string.IsNullOrEmpty(dc) && dc != Datacenter)
        {
            await WriteAsync(context, 500, "text/plain", "No path to datacenter");
            return;
        }

        if (anonymous)
        {
            await Denied(context, "node:write", node);
            return;
        }

        lock (_gate)
        {
            if (!IgnoreCatalogDeregister)
            {
                _catalog.Remove(node);
            }
        }

        await WriteAsync(context, 200, "application/json", "true");
    }

    /// <summary>PUT /v1/agent/force-leave/{node}: 500 for an unknown member; ?prune removes it.</summary>
    private async Task ForceLeaveAsync(HttpContext context, string path, bool anonymous)
    {
        HttpRequest request = context.Request;
        string node = Uri.UnescapeDataString(path[ForceLeavePrefix.Length..]);
        if (anonymous)
        {
            await Denied(context, "operator:write", node);
            return;
        }

        bool known;
        lock (_gate)
        {
            known = request.Query.ContainsKey("prune") ? _members.Remove(node) : _members.Contains(node);
        }

        if (!known)
        {
            await WriteAsync(context, 500, "text/plain", $"agent: No node found with name '{node}'");
            return;
        }

        context.Response.StatusCode = 200;
    }
}
