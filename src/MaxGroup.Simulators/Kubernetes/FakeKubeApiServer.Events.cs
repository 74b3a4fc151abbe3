using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Simulators.Kubernetes;

/// <summary>core/v1 Events: POST /api/v1/namespaces/{ns}/events, validated as the API server validates a legacy Event.</summary>
public sealed partial class FakeKubeApiServer
{
    private readonly List<RecordedEvent> _events = [];

    /// <summary>When set, every event POST is answered with this status (a Status body) and nothing is stored.</summary>
    public int? EventFailureStatus { get; set; }

    /// <summary>How long an event POST is held before it is answered (a slow or hanging API server).</summary>
    public TimeSpan EventDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Event POSTs that arrived, stored or not.</summary>
    public int EventPosts
    {
        get
        {
            lock (_lock)
            {
                return _eventPosts;
            }
        }
    }

    /// <summary>The Events the fake stored, in arrival order.</summary>
    public IReadOnlyList<RecordedEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToList();
            }
        }
    }

    private int _eventPosts;

    private async Task CreateEventAsync(HttpContext context, string ns)
    {
        lock (_lock)
        {
            _eventPosts++;
        }

        if (EventDelay > TimeSpan.Zero)
        {
            await Task.Delay(EventDelay, _time, context.RequestAborted);
        }

        if (EventFailureStatus is int failure)
        {
            await WriteStatusAsync(context, failure, failure == 403 ? "Forbidden" : "InternalError",
                failure == 403
                    ? $"events is forbidden: User \"maxgroup-drain\" cannot create resource \"events\" in API group \"\" in the namespace \"{ns}\""
                    : "Internal error occurred: injected by the test");
            return;
        }

        JsonNode? body = await JsonNode.ParseAsync(context.Request.Body);
        if (body is not JsonObject ev || ev["kind"]?.GetValue<string>() != "Event" || ev["apiVersion"]?.GetValue<string>() != "v1")
        {
            throw new BadRequestException("the body must be a v1 Event");
        }

        string? name = ev["metadata"]?["name"]?.GetValue<string>();
        string? bodyNamespace = ev["metadata"]?["namespace"]?.GetValue<string>();
        JsonNode? involved = ev["involvedObject"];
        string? involvedNamespace = involved?["namespace"]?.GetValue<string>();
        string type = ev["type"]?.GetValue<string>() ?? "";
        List<string> problems = [];
        if (string.IsNullOrEmpty(name))
        {
            problems.Add("metadata.name: Required value: name or generateName is required");
        }

        if (bodyNamespace is not null && bodyNamespace != ns)
        {
            problems.Add("metadata.namespace: Invalid value: the namespace of the provided object does not match the namespace sent on the request");
        }

        if (string.IsNullOrEmpty(involved?["kind"]?.GetValue<string>()) || string.IsNullOrEmpty(involved?["name"]?.GetValue<string>()))
        {
            problems.Add("involvedObject: Required value: kind and name");
        }

        // The legacy rule: an event about a cluster-scoped object lives in default, kube-system or no namespace.
        if (string.IsNullOrEmpty(involvedNamespace) ? ns is not ("default" or "kube-system") : involvedNamespace != ns)
        {
            problems.Add($"involvedObject.namespace: Invalid value: \"{involvedNamespace}\": does not match event.namespace");
        }

        if (type is not ("Normal" or "Warning"))
        {
            problems.Add($"type: Unsupported value: \"{type}\": supported values: \"Normal\", \"Warning\"");
        }

        if (problems.Count > 0)
        {
            await WriteStatusAsync(context, 422, "Invalid", $"Event \"{name}\" is invalid: {string.Join(", ", problems)}");
            return;
        }

        bool exists;
        lock (_lock)
        {
            exists = _events.Any(e => e.Namespace == ns && e.Name == name);
            if (!exists)
            {
                _events.Add(new RecordedEvent(
                    ns,
                    name!,
                    involved!["kind"]!.GetValue<string>(),
                    involved["name"]!.GetValue<string>(),
                    involved["uid"]?.GetValue<string>(),
                    ev["reason"]?.GetValue<string>() ?? "",
                    ev["message"]?.GetValue<string>() ?? "",
                    type,
                    ev["source"]?["component"]?.GetValue<string>(),
                    _time.GetUtcNow()));
            }
        }

        if (exists)
        {
            await WriteStatusAsync(context, 409, "AlreadyExists", $"events \"{name}\" already exists", new JsonObject { ["name"] = name, ["kind"] = "events" });
            return;
        }

        JsonObject created = (JsonObject)ev.DeepClone();
        created["metadata"]!["namespace"] = ns;
        created["metadata"]!["uid"] = Guid.NewGuid().ToString();
        created["metadata"]!["resourceVersion"] = NextVersion();
        created["metadata"]!["creationTimestamp"] = Time(_time.GetUtcNow());
        await WriteJsonAsync(context, 201, created);
    }

    /// <summary>One Event the fake stored.</summary>
    public sealed record RecordedEvent(
        string Namespace, string Name, string InvolvedKind, string InvolvedName, string? InvolvedUid, string Reason, string Message, string Type, string? SourceComponent, DateTimeOffset At);
}
