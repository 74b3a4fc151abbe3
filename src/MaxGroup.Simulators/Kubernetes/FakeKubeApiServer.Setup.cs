using System.Text.Json.Nodes;

namespace MaxGroup.Simulators.Kubernetes;

/// <summary>Test set-up and inspection: nodes, pods and PodDisruptionBudgets a test adds, and what the fake saw (requests, evictions, tokens).</summary>
public sealed partial class FakeKubeApiServer
{
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
}
