using Microsoft.AspNetCore.Http;

namespace MaxGroup.Simulators.Consul;

/// <summary>The agent endpoints: self, the local services, service deregistration, leave.</summary>
public sealed partial class FakeConsul
{
    /// <summary>/v1/agent/self: the agent's config and member (Consul's shape).</summary>
    private async Task AgentSelfAsync(HttpContext context, bool anonymous)
    {
        if (anonymous)
        {
            await Denied(context, "agent:read", NodeName);
            return;
        }

        _selfAnswered.TrySetResult();
        await WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("Config");
            w.WriteString("Datacenter", Datacenter);
            w.WriteString("NodeName", NodeName);
            w.WriteString("NodeID", "0c0f1f4e-3b5a-4f8e-9d5e-1f2a3b4c5d6e");
            w.WriteString("Revision", "fake");
            w.WriteBoolean("Server", false);
            w.WriteString("Version", "1.20.1");
            w.WriteEndObject();
            w.WriteStartObject("Member");
            w.WriteString("Name", NodeName);
            w.WriteString("Addr", "127.0.0.1");
            w.WriteNumber("Port", 8301);
            w.WriteNumber("Status", 1);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>/v1/agent/services: the local services map; the anonymous token of a default-deny cluster sees none.</summary>
    private async Task AgentServicesAsync(HttpContext context, bool anonymous)
    {
        List<KeyValuePair<string, string>> services;
        lock (_gate)
        {
            // ACL filtering: the anonymous token of a default-deny cluster sees nothing.
            services = anonymous ? [] : [.. _services];
        }

        await WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            foreach ((string id, string name) in services)
            {
                w.WriteStartObject(id);
                w.WriteString("Kind", "");
                w.WriteString("ID", id);
                w.WriteString("Service", name);
                w.WriteStartArray("Tags");
                w.WriteEndArray();
                w.WriteStartObject("Meta");
                w.WriteEndObject();
                w.WriteNumber("Port", 8080);
                w.WriteString("Address", "");
                w.WriteStartObject("Weights");
                w.WriteNumber("Passing", 1);
                w.WriteNumber("Warning", 1);
                w.WriteEndObject();
                w.WriteBoolean("EnableTagOverride", false);
                w.WriteString("Datacenter", Datacenter);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        });
    }

    /// <summary>PUT /v1/agent/service/deregister/{id}: 404 "Unknown service ID" when unknown; may re-register (a supervisor bringing it back).</summary>
    private async Task DeregisterServiceAsync(HttpContext context, string path, bool anonymous)
    {
        string id = Uri.UnescapeDataString(path[DeregisterPrefix.Length..]);
        if (anonymous)
        {
            await Denied(context, "service:write", id);
            return;
        }

        bool known;
        lock (_gate)
        {
            known = _services.Remove(id, out string? name);
            if (known && _reRegister.TryGetValue(id, out int left) && left > 0)
            {
                _reRegister[id] = left - 1;
                _services[id] = name!;
            }
        }

        if (!known)
        {
            await WriteAsync(context, 404, "text/plain", $"Unknown service ID \"{id}\". Ensure that the service ID is passed, not the service name.");
            return;
        }

        context.Response.StatusCode = 200;
    }

    /// <summary>PUT /v1/agent/leave: the agent leaves gracefully (and stops, with StopAfterLeave).</summary>
    private async Task LeaveAsync(HttpContext context, bool anonymous)
    {
        if (anonymous)
        {
            await Denied(context, "agent:write", NodeName);
            return;
        }

        Volatile.Write(ref _left, 1);
        context.Response.StatusCode = 200;
        await context.Response.CompleteAsync();
        if (StopAfterLeave)
        {
            // Like Consul: answer, then shut down.
            _ = Task.Run(StopAsync);
        }
    }
}
