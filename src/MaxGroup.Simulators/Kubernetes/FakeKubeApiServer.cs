using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Simulators.Kubernetes;

/// <summary>A loopback HTTPS server (127.0.0.1) answering the part of the Kubernetes API the drainer calls.</summary>
/// <remarks>
/// Real status codes and Status bodies: node list (field and label selectors) and get, node merge patch with the
/// resourceVersion precondition, pod list by spec.nodeName, policy/v1 evictions with PodDisruptionBudget accounting
/// (429 when a budget allows no disruption; evicted pods leave after their grace period), core/v1 Event creation,
/// node deletion, and a bearer token check (401). Every change to a node is kept in <see cref="NodeChanges"/>, in
/// order with <see cref="Requests"/>. This file: start-up, routing, the node handlers and the Status replies; the
/// tests' set-up and inspection in FakeKubeApiServer.Setup.cs, pods and evictions in .Pods.cs, merge patch, selectors
/// and versions in .Semantics.cs, node deletion and changes in .Nodes.cs, Events in .Events.cs.
/// </remarks>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<string, JsonObject> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _podDeleteAt = new(StringComparer.Ordinal);
    private readonly List<Pdb> _pdbs = [];
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<RecordedEviction> _evictions = [];
    private readonly HashSet<string> _tokensSeen = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private readonly TimeProvider _time;
    private long _resourceVersion = 1000;

    private FakeKubeApiServer(LoopbackCertificates certificates, TimeProvider time)
    {
        Certificates = certificates;
        _time = time;
    }

    public LoopbackCertificates Certificates { get; }

    /// <summary>https://127.0.0.1:PORT</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Decides whether a bearer token is accepted; every token is refused until a test sets it.</summary>
    public Func<string, bool> TokenValidator { get; set; } = _ => false;

    /// <param name="time">The clock of creation times, grace periods and request times; the system clock by default.</param>
    public static async Task<FakeKubeApiServer> StartAsync(TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var server = new FakeKubeApiServer(LoopbackCertificates.Create(time: time), time);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(server.Certificates.Server)));
        WebApplication app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._app = app;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Certificates.Dispose();
    }

    // ---------------------------------------------------------------- the API

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        string path = request.Path.Value ?? "/";
        string? authorization = request.Headers.Authorization;
        string? token = authorization is not null && authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        lock (_lock)
        {
            _requests.Add(new RecordedRequest(_time.GetUtcNow(), request.Method, path + request.QueryString, request.ContentType, request.Protocol));
            context.Items[RequestIndexItem] = _requests.Count - 1;
            if (token is not null)
            {
                _tokensSeen.Add(token);
            }
        }

        if (token is null || !TokenValidator(token))
        {
            await WriteStatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        string[] segments = path.Trim('/').Split('/');
        try
        {
            switch (request.Method, segments)
            {
                case ("GET", ["api", "v1", "nodes"]):
                    await ListNodesAsync(context);
                    return;
                case ("GET", ["api", "v1", "nodes", var name]):
                    await GetNodeAsync(context, name);
                    return;
                case ("PATCH", ["api", "v1", "nodes", var name]):
                    await PatchNodeAsync(context, name);
                    return;
                case ("DELETE", ["api", "v1", "nodes", var name]):
                    await DeleteNodeAsync(context, name);
                    return;
                case ("GET", ["api", "v1", "pods"]):
                    await ListPodsAsync(context);
                    return;
                case ("POST", ["api", "v1", "namespaces", var ns, "pods", var name, "eviction"]):
                    await EvictAsync(context, ns, name);
                    return;
                case ("POST", ["api", "v1", "namespaces", var ns, "events"]):
                    await CreateEventAsync(context, ns);
                    return;
                default:
                    await WriteStatusAsync(context, 404, "NotFound", "the server could not find the requested resource");
                    return;
            }
        }
        catch (BadRequestException ex)
        {
            await WriteStatusAsync(context, 400, "BadRequest", ex.Message);
        }
    }

    private async Task ListNodesAsync(HttpContext context)
    {
        Func<JsonObject, bool> fields = FieldFilter(context.Request.Query["fieldSelector"], "nodes", static (node, field) => field switch
        {
            "metadata.name" => node["metadata"]?["name"]?.GetValue<string>(),
            "spec.unschedulable" => (node["spec"]?["unschedulable"]?.GetValue<bool>() ?? false) ? "true" : "false",
            _ => throw new BadRequestException($"field label not supported: {field}"),
        });
        Func<JsonObject, bool> labels = LabelFilter(context.Request.Query["labelSelector"]);
        JsonArray items;
        lock (_lock)
        {
            items = new JsonArray(_nodes.Values.Where(n => fields(n) && labels(n)).Select(n => (JsonNode)n.DeepClone()).ToArray());
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = "NodeList",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = CurrentVersion() },
            ["items"] = items,
        });
    }

    private async Task GetNodeAsync(HttpContext context, string name)
    {
        JsonObject? node;
        lock (_lock)
        {
            node = _nodes.TryGetValue(name, out JsonObject? found) ? (JsonObject)found.DeepClone() : null;
        }

        if (node is null)
        {
            await WriteNotFoundAsync(context, "nodes", name);
            return;
        }

        await WriteJsonAsync(context, 200, node);
    }

    private async Task PatchNodeAsync(HttpContext context, string name)
    {
        string contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        if (contentType != "application/merge-patch+json")
        {
            // The drainer sends merge patches only; this fake implements no other patch type.
            await WriteStatusAsync(context, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/merge-patch+json");
            return;
        }

        JsonNode? patch = await JsonNode.ParseAsync(context.Request.Body);
        if (patch is not JsonObject patchObject)
        {
            throw new BadRequestException("the patch must be a JSON object");
        }

        JsonObject result;
        lock (_lock)
        {
            if (!_nodes.TryGetValue(name, out JsonObject? node))
            {
                result = null!;
            }
            else
            {
                string current = node["metadata"]!["resourceVersion"]!.GetValue<string>();
                string? precondition = patchObject["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (precondition is not null && precondition != current)
                {
                    result = new JsonObject { ["conflict"] = true };
                }
                else
                {
                    JsonNode merged = MergePatch(node, patchObject)!;
                    merged["metadata"]!["resourceVersion"] = NextVersion();
                    _nodes[name] = (JsonObject)merged;
                    RecordNodeChange(context, "patch", name, (JsonObject)merged);
                    result = (JsonObject)merged.DeepClone();
                }
            }
        }

        if (result is null)
        {
            await WriteNotFoundAsync(context, "nodes", name);
        }
        else if (result.ContainsKey("conflict"))
        {
            await WriteStatusAsync(context, 409, "Conflict",
                $"Operation cannot be fulfilled on nodes \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                new JsonObject { ["name"] = name, ["kind"] = "nodes" });
        }
        else
        {
            await WriteJsonAsync(context, 200, result);
        }
    }

    private static Task WriteNotFoundAsync(HttpContext context, string kind, string name) =>
        WriteStatusAsync(context, 404, "NotFound", $"{kind} \"{name}\" not found", new JsonObject { ["name"] = name, ["kind"] = kind });

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return WriteJsonAsync(context, code, status);
    }

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    /// <summary>One request as the fake saw it.</summary>
    public sealed record RecordedRequest(DateTimeOffset At, string Method, string PathAndQuery, string? ContentType, string Protocol);

    private sealed class BadRequestException(string message) : Exception(message);
}
