using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Simulators.Kubernetes;

/// <summary>Pods: the pod list by field and label selector, policy/v1 evictions with PodDisruptionBudget accounting, and evicted pods leaving after their grace period.</summary>
public sealed partial class FakeKubeApiServer
{
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

    /// <summary>One eviction the fake accepted.</summary>
    public sealed record RecordedEviction(string Pod, long GraceSeconds, DateTimeOffset At);

    private sealed record Pdb(string Namespace, string Name, IReadOnlyDictionary<string, string> MatchLabels, int MinAvailable)
    {
        public bool Selects(JsonObject pod) => MatchLabels.All(l => Label(pod, l.Key) == l.Value);
    }
}
