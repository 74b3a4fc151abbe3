using System.Globalization;
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
/// (429 when a budget allows no disruption; evicted pods leave after their grace period), core/v1 Event creation
/// (FakeKubeApiServer.Events.cs), node deletion, and a bearer token check (401). Every change to a node is kept in
/// <see cref="NodeChanges"/>, in order with <see cref="Requests"/>.
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

    // ---------------------------------------------------------------- test set-up and inspection

    public void AddNode(string name, string? providerId, string zone, bool ready = true, DateTimeOffset? created = null, bool unschedulable = false, IEnumerable<JsonObject>? taints = null)
    {
        var node = new JsonObject
        {
            ["kind"] = "Node",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["uid"] = Guid.NewGuid().ToString(),
                ["resourceVersion"] = NextVersion(),
                ["creationTimestamp"] = Time(created ?? _time.GetUtcNow().AddHours(-1)),
                ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name, ["topology.kubernetes.io/zone"] = zone },
            },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        };
        if (providerId is not null)
        {
            node["spec"]!["providerID"] = providerId;
        }

        if (unschedulable)
        {
            node["spec"]!["unschedulable"] = true;
        }

        if (taints is not null)
        {
            node["spec"]!["taints"] = new JsonArray(taints.Select(t => (JsonNode)t).ToArray());
        }

        lock (_lock)
        {
            _nodes[name] = node;
        }
    }

    public void SetNodeReady(string name, bool ready)
    {
        lock (_lock)
        {
            JsonObject node = _nodes[name];
            node["status"]!["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" });
            node["metadata"]!["resourceVersion"] = NextVersion();
        }
    }

    public void AddPod(string ns, string name, string nodeName, IReadOnlyDictionary<string, string>? labels = null, string? ownerKind = "ReplicaSet",
        bool mirror = false, string phase = "Running", bool ready = true, long? graceSeconds = 1, bool emptyDir = false)
    {
        var metadata = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["uid"] = Guid.NewGuid().ToString(),
            ["resourceVersion"] = NextVersion(),
            ["creationTimestamp"] = Time(_time.GetUtcNow().AddMinutes(-30)),
            ["labels"] = new JsonObject((labels ?? new Dictionary<string, string>()).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
        };
        if (ownerKind is not null)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = ownerKind,
                ["name"] = name + "-owner",
                ["uid"] = Guid.NewGuid().ToString(),
                ["controller"] = true,
            });
        }

        if (mirror)
        {
            metadata["annotations"] = new JsonObject { ["kubernetes.io/config.mirror"] = "d41d8cd98f00b204e9800998ecf8427e" };
        }

        var spec = new JsonObject
        {
            ["nodeName"] = nodeName,
            ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "registry.k8s.io/pause:3.9" }),
        };
        if (graceSeconds is not null)
        {
            spec["terminationGracePeriodSeconds"] = graceSeconds.Value;
        }

        if (emptyDir)
        {
            spec["volumes"] = new JsonArray(new JsonObject { ["name"] = "scratch", ["emptyDir"] = new JsonObject() });
        }

        var pod = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = metadata,
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["phase"] = phase,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        };
        lock (_lock)
        {
            _pods[$"{ns}/{name}"] = pod;
        }
    }

    public void SetPodReady(string ns, string name, bool ready)
    {
        lock (_lock)
        {
            JsonObject pod = _pods[$"{ns}/{name}"];
            pod["status"]!["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" });
        }
    }

    /// <summary>A PodDisruptionBudget with minAvailable and a matchLabels selector.</summary>
    public void AddPdb(string ns, string name, IReadOnlyDictionary<string, string> matchLabels, int minAvailable)
    {
        lock (_lock)
        {
            _pdbs.Add(new Pdb(ns, name, matchLabels, minAvailable));
        }
    }

    public JsonObject GetNode(string name)
    {
        lock (_lock)
        {
            return (JsonObject)_nodes[name].DeepClone();
        }
    }

    /// <summary>Pods still present (evicted pods leave once their grace period has passed).</summary>
    public IReadOnlyList<string> PodKeys()
    {
        lock (_lock)
        {
            PurgeDeleted(_time.GetUtcNow());
            return _pods.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    public IReadOnlyList<RecordedEviction> Evictions
    {
        get
        {
            lock (_lock)
            {
                return _evictions.ToList();
            }
        }
    }

    public IReadOnlyCollection<string> TokensSeen
    {
        get
        {
            lock (_lock)
            {
                return _tokensSeen.ToList();
            }
        }
    }

    /// <summary>The most requests that arrived within any window of the given length.</summary>
    public int PeakRequestsPer(TimeSpan window)
    {
        List<DateTimeOffset> times = Requests.Select(r => r.At).Order().ToList();
        int peak = 0;
        int start = 0;
        for (int end = 0; end < times.Count; end++)
        {
            while (times[end] - times[start] >= window)
            {
                start++;
            }

            peak = Math.Max(peak, end - start + 1);
        }

        return peak;
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

    private async Task ListPodsAsync(HttpContext context)
    {
        Func<JsonObject, bool> fields = FieldFilter(context.Request.Query["fieldSelector"], "pods", static (pod, field) => field switch
        {
            "spec.nodeName" => pod["spec"]?["nodeName"]?.GetValue<string>(),
            "metadata.name" => pod["metadata"]?["name"]?.GetValue<string>(),
            "metadata.namespace" => pod["metadata"]?["namespace"]?.GetValue<string>(),
            "status.phase" => pod["status"]?["phase"]?.GetValue<string>(),
            _ => throw new BadRequestException($"field label not supported: {field}"),
        });
        Func<JsonObject, bool> labels = LabelFilter(context.Request.Query["labelSelector"]);
        JsonArray items;
        lock (_lock)
        {
            PurgeDeleted(_time.GetUtcNow());
            items = new JsonArray(_pods.Values.Where(p => fields(p) && labels(p)).Select(p => (JsonNode)p.DeepClone()).ToArray());
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = "PodList",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = CurrentVersion() },
            ["items"] = items,
        });
    }

    private async Task EvictAsync(HttpContext context, string ns, string name)
    {
        JsonNode? body = await JsonNode.ParseAsync(context.Request.Body);
        if (body?["kind"]?.GetValue<string>() != "Eviction" || body["apiVersion"]?.GetValue<string>() != "policy/v1")
        {
            throw new BadRequestException("the body must be a policy/v1 Eviction");
        }

        if (body["metadata"]?["name"]?.GetValue<string>() != name)
        {
            throw new BadRequestException($"name in URL does not match name in Eviction object");
        }

        long? requestedGrace = body["deleteOptions"]?["gracePeriodSeconds"]?.GetValue<long>();
        string key = $"{ns}/{name}";
        DateTimeOffset now = _time.GetUtcNow();
        string? blockedBy = null;
        bool found;
        lock (_lock)
        {
            PurgeDeleted(now);
            found = _pods.TryGetValue(key, out JsonObject? pod);
            if (found && pod!["metadata"]!["deletionTimestamp"] is null)
            {
                foreach (Pdb pdb in _pdbs.Where(p => p.Namespace == ns && p.Selects(pod)))
                {
                    int healthy = _pods.Values.Count(p => pdb.Selects(p) && p["metadata"]!["namespace"]!.GetValue<string>() == ns && IsHealthy(p));
                    if (healthy - pdb.MinAvailable <= 0)
                    {
                        blockedBy = $"The disruption budget {pdb.Name} needs {pdb.MinAvailable.ToString(CultureInfo.InvariantCulture)} healthy pods and has {healthy.ToString(CultureInfo.InvariantCulture)} currently";
                        break;
                    }
                }

                if (blockedBy is null)
                {
                    long grace = requestedGrace ?? pod["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
                    pod["metadata"]!["deletionTimestamp"] = Time(now.AddSeconds(grace));
                    pod["metadata"]!["deletionGracePeriodSeconds"] = grace;
                    _podDeleteAt[key] = now.AddSeconds(grace);
                    _evictions.Add(new RecordedEviction(key, grace, now));
                }
            }
        }

        if (!found)
        {
            await WriteNotFoundAsync(context, "pods", name);
        }
        else if (blockedBy is not null)
        {
            await WriteJsonAsync(context, 429, new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = "Cannot evict pod as it would violate the pod's disruption budget.",
                ["reason"] = "TooManyRequests",
                ["details"] = new JsonObject
                {
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "DisruptionBudget", ["message"] = blockedBy }),
                },
                ["code"] = 429,
            });
        }
        else
        {
            await WriteJsonAsync(context, 201, new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["code"] = 201,
            });
        }
    }

    // ---------------------------------------------------------------- semantics

    private static bool IsHealthy(JsonObject pod) =>
        pod["metadata"]!["deletionTimestamp"] is null
        && pod["status"]?["conditions"] is JsonArray conditions
        && conditions.Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    private void PurgeDeleted(DateTimeOffset now)
    {
        foreach ((string key, DateTimeOffset at) in _podDeleteAt.ToList())
        {
            if (at <= now)
            {
                _pods.Remove(key);
                _podDeleteAt.Remove(key);
            }
        }
    }

    /// <summary>RFC 7386 JSON merge patch.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        JsonObject result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach ((string name, JsonNode? value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                JsonNode? merged = MergePatch(result[name], value);
                result.Remove(name);
                result[name] = merged;
            }
        }

        return result;
    }

    private static Func<JsonObject, bool> FieldFilter(string? selector, string resource, Func<JsonObject, string, string?> field)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return _ => true;
        }

        var terms = new List<(string Field, string Value, bool Equal)>();
        foreach (string term in selector.Split(','))
        {
            bool notEqual = term.Contains("!=", StringComparison.Ordinal);
            string[] parts = term.Split(notEqual ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2)
            {
                throw new BadRequestException($"invalid selector: '{selector}'; can't understand '{term}'");
            }

            terms.Add((parts[0], parts[1], !notEqual));
        }

        // Validate the field names now, as the API server does, even when no object would be tested.
        var probe = new JsonObject();
        foreach ((string name, _, _) in terms)
        {
            _ = field(probe, name);
        }

        _ = resource;
        return obj => terms.All(t => (field(obj, t.Field) == t.Value) == t.Equal);
    }

    private static Func<JsonObject, bool> LabelFilter(string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return _ => true;
        }

        var tests = new List<Func<JsonObject, bool>>();
        foreach (string term in selector.Split(','))
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                string[] parts = term.Split("!=", 2);
                tests.Add(o => Label(o, parts[0]) != parts[1]);
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                string[] parts = term.Split(term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
                tests.Add(o => Label(o, parts[0]) == parts[1]);
            }
            else if (term.StartsWith('!'))
            {
                tests.Add(o => Label(o, term[1..]) is null);
            }
            else
            {
                tests.Add(o => Label(o, term) is not null);
            }
        }

        return o => tests.All(t => t(o));
    }

    private static string? Label(JsonObject obj, string key) => obj["metadata"]?["labels"]?[key]?.GetValue<string>();

    private string NextVersion() => Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);

    private string CurrentVersion() => Interlocked.Read(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

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

    /// <summary>One eviction the fake accepted.</summary>
    public sealed record RecordedEviction(string Pod, long GraceSeconds, DateTimeOffset At);

    private sealed record Pdb(string Namespace, string Name, IReadOnlyDictionary<string, string> MatchLabels, int MinAvailable)
    {
        public bool Selects(JsonObject pod) => MatchLabels.All(l => Label(pod, l.Key) == l.Value);
    }

    private sealed class BadRequestException(string message) : Exception(message);
}
