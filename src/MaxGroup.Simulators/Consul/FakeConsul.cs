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
public sealed partial class FakeConsul : IAsyncDisposable
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

    private const string DeregisterPrefix = "/v1/agent/service/deregister/";
    private const string CatalogNodePrefix = "/v1/catalog/node/";
    private const string ForceLeavePrefix = "/v1/agent/force-leave/";

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
        await (path switch
        {
            "/v1/agent/self" when isGet => AgentSelfAsync(context, anonymous),
            "/v1/agent/services" when isGet => AgentServicesAsync(context, anonymous),
            "/v1/agent/leave" when isPut => LeaveAsync(context, anonymous),
            "/v1/catalog/deregister" when isPut => CatalogDeregisterAsync(context, body, anonymous),
            _ when isPut && path.StartsWith(DeregisterPrefix, StringComparison.Ordinal) => DeregisterServiceAsync(context, path, anonymous),
            _ when isGet && path.StartsWith(CatalogNodePrefix, StringComparison.Ordinal) => CatalogNodeAsync(context, path, anonymous),
            _ when isPut && path.StartsWith(ForceLeavePrefix, StringComparison.Ordinal) => ForceLeaveAsync(context, path, anonymous),
            _ when path.StartsWith("/v1/", StringComparison.Ordinal) && (isGet || isPut) => WriteAsync(context, 404, "text/plain", "404 page not found"),
            _ => WriteAsync(context, 405, "text/plain", $"method {context.Request.Method} not allowed"),
        });
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
