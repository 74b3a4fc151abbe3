using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Simulators.Consul;

/// <summary>A loopback Consul agent (with the server endpoints MaxGroup's fallback calls) on Kestrel, 127.0.0.1.</summary>
/// <remarks>
/// Answers with Consul's documented shapes and status codes: the agent services map, agent self, service deregister
/// (404 "Unknown service ID" when unknown), leave, catalog node / deregister (500 "No path to datacenter" for another
/// dc), force-leave (500 for an unknown member). With ACLs on: an unknown token → 403 "ACL not found"; no token → the
/// anonymous token, whose service list is filtered to empty and whose writes get 403 "Permission denied", as with
/// default_policy=deny.
/// </remarks>
public sealed class FakeConsul : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _catalog = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _reRegister = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _selfAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private int _stopped;
    private int _left;

    private FakeConsul(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
    }

    public string NodeName { get; init; } = "consul-node-1";
    public string Datacenter { get; init; } = "dc1";
    /// <summary>The SecretID the fake accepts; null = ACLs off.</summary>
    public string? RequiredToken { get; set; }
    /// <summary>Like a real agent, shut down after answering PUT /v1/agent/leave.</summary>
    public bool StopAfterLeave { get; set; }
    /// <summary>Server role: answer catalog deregister with true but keep the node (a reconcile that re-added it).</summary>
    public bool IgnoreCatalogDeregister { get; set; }
    /// <summary>Accept connections but never answer (a blackholed or frozen agent).</summary>
    public bool Hang { get; set; }
    public int Port { get; private set; }
    public string Address => $"127.0.0.1:{Port}";
    public ConcurrentQueue<ConsulRequest> Requests { get; } = new();
    public Task SelfAnswered => _selfAnswered.Task;

    /// <summary>True once the agent accepted PUT /v1/agent/leave (it has left the cluster).</summary>
    public bool HasLeft => Volatile.Read(ref _left) == 1;

    /// <param name="nodeName">The agent's node name (Config.NodeName in /v1/agent/self).</param>
    /// <param name="datacenter">The agent's datacenter.</param>
    /// <param name="time">The clock of the request log; the system clock by default.</param>
    public static async Task<FakeConsul> StartAsync(string nodeName = "consul-node-1", string datacenter = "dc1", TimeProvider? time = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var fake = new FakeConsul(app, time ?? TimeProvider.System) { NodeName = nodeName, Datacenter = datacenter };
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Port = new Uri(url).Port;
        return fake;
    }

    /// <summary>A loopback port with nothing listening: connections are refused, like an agent that is gone.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void AddService(string id, string name)
    {
        lock (_gate)
        {
            _services[id] = name;
        }
    }

    /// <summary>The service comes back right after its next <paramref name="times"/> deregistrations (a sidecar re-registering it).</summary>
    public void ReRegisterAfterDeregister(string id, int times = 1)
    {
        lock (_gate)
        {
            _reRegister[id] = times;
        }
    }

    /// <summary>Server role: a node in the catalog with services, and a serf member of that name.</summary>
    public void AddCatalogNode(string node, params (string Id, string Name)[] services)
    {
        lock (_gate)
        {
            _catalog[node] = services.ToDictionary(s => s.Id, s => s.Name, StringComparer.Ordinal);
            _members.Add(node);
        }
    }

    public IReadOnlyList<string> ServiceIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _services.Keys];
            }
        }
    }

    public bool HasCatalogNode(string node)
    {
        lock (_gate)
        {
            return _catalog.ContainsKey(node);
        }
    }

    public bool HasMember(string node)
    {
        lock (_gate)
        {
            return _members.Contains(node);
        }
    }

    public IReadOnlyList<ConsulRequest> Puts => Requests.Where(r => r.Method == "PUT").ToList();

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        string path = request.Path.Value ?? "";
        string? token = request.Headers.TryGetValue("X-Consul-Token", out var values) ? values.ToString() : null;
        string body = "";
        if (request.ContentLength is > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            using var reader = new StreamReader(request.Body);
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        Requests.Enqueue(new ConsulRequest(request.Method, path, request.QueryString.Value ?? "", token is not null, token is not null && token == RequiredToken, body, _time.GetUtcNow()));
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        bool anonymous = false;
        if (RequiredToken is not null)
        {
            if (token is null)
            {
                anonymous = true;
            }
            else if (token != RequiredToken)
            {
                await WriteAsync(context, 403, "text/plain", "ACL not found");
                return;
            }
        }

        bool isPut = HttpMethods.IsPut(request.Method);
        bool isGet = HttpMethods.IsGet(request.Method);
        const string deregisterPrefix = "/v1/agent/service/deregister/";
        const string catalogNodePrefix = "/v1/catalog/node/";
        const string forceLeavePrefix = "/v1/agent/force-leave/";
        if (path == "/v1/agent/self" && isGet)
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
        else if (path == "/v1/agent/services" && isGet)
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
        else if (path.StartsWith(deregisterPrefix, StringComparison.Ordinal) && isPut)
        {
            string id = Uri.UnescapeDataString(path[deregisterPrefix.Length..]);
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
        else if (path == "/v1/agent/leave" && isPut)
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
        else if (path.StartsWith(catalogNodePrefix, StringComparison.Ordinal) && isGet)
        {
            string node = Uri.UnescapeDataString(path[catalogNodePrefix.Length..]);
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
        else if (path == "/v1/catalog/deregister" && isPut)
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
        else if (path.StartsWith(forceLeavePrefix, StringComparison.Ordinal) && isPut)
        {
            string node = Uri.UnescapeDataString(path[forceLeavePrefix.Length..]);
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
        else if (path.StartsWith("/v1/", StringComparison.Ordinal) && (isGet || isPut))
        {
            await WriteAsync(context, 404, "text/plain", "404 page not found");
        }
        else
        {
            await WriteAsync(context, 405, "text/plain", $"method {request.Method} not allowed");
        }
    }

    private static Task Denied(HttpContext context, string permission, string resource) =>
        WriteAsync(context, 403, "text/plain",
            $"Permission denied: token with AccessorID '00000000-0000-0000-0000-000000000002' lacks permission '{permission}' on \"{resource}\"");

    private static async Task WriteAsync(HttpContext context, int status, string contentType, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted);
    }
}

/// <summary>One request the fake answered; the token value itself is not kept, only whether it matched.</summary>
public sealed record ConsulRequest(string Method, string Path, string Query, bool HadToken, bool TokenValid, string Body, DateTimeOffset At);
