using MaxGroup.Core.Model;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MaxGroup.Aws.Eks;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Simulators.Consul;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// The demo's Kubernetes API and Consul agent: loopback simulators (no real cluster or agent is given), seeded with
/// the interrupted instance's node, pods and services, and read back afterwards to check what the steps really did.
/// </summary>
public sealed class DemoPeers : IAsyncDisposable
{
    /// <summary>The cluster name the group config names; the EKS token is minted for it.</summary>
    public const string ClusterName = "demo-eks";

    /// <summary>Drain grace in the demo's config: short, so that evicted pods are gone well before the reclaim.</summary>
    public const int DrainGraceSeconds = 3;

    private const string PdbName = "web";
    private const int PdbMinAvailable = 1;

    private readonly FakeKubeApiServer _kube;
    private readonly FakeConsul _consul;
    private readonly List<string> _toEvict = [];
    private readonly List<string> _daemonSetPods = [];
    private readonly List<string> _pdbPods = [];
    private readonly List<string> _services = [];
    private string? _nodeName;

    private DemoPeers(FakeKubeApiServer kube, FakeConsul consul)
    {
        _kube = kube;
        _consul = consul;
    }

    /// <summary>host:port of the Kubernetes API simulator.</summary>
    public string KubeAddress => new Uri(_kube.Endpoint).Authority;

    /// <summary>host:port of the Consul agent simulator.</summary>
    public string ConsulAddress => _consul.Address;

    /// <summary>Starts both simulators on 127.0.0.1, port 0.</summary>
    public static async Task<DemoPeers> StartAsync(string consulNodeName)
    {
        FakeKubeApiServer kube = await FakeKubeApiServer.StartAsync().ConfigureAwait(false);
        FakeConsul consul;
        try
        {
            consul = await FakeConsul.StartAsync(consulNodeName).ConfigureAwait(false);
        }
        catch
        {
            await kube.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // The API server accepts what EKS would pass on to STS: an EKS bearer token for a GetCallerIdentity call.
        kube.TokenValidator = IsEksToken;
        // A real agent shuts down once it has left; the step must count that as success, not as an unreachable agent.
        consul.StopAfterLeave = true;
        return new DemoPeers(kube, consul);
    }

    /// <summary>
    /// The group config keys that switch drain and Consul on and point them at the simulators. Only documented keys:
    /// k8s_endpoint with its CA instead of EKS DescribeCluster, and consul_address with a loopback host standing in
    /// for the instance's {private_ip}, which is not reachable from this machine.
    /// </summary>
    public IReadOnlyDictionary<string, JsonNode> ConfigFields() => new Dictionary<string, JsonNode>(StringComparer.Ordinal)
    {
        ["k8s_node_drain_option"] = true,
        ["k8s_node_drain_grace_second"] = DrainGraceSeconds,
        ["k8s_cluster_name"] = ClusterName,
        ["k8s_endpoint"] = _kube.Endpoint,
        ["k8s_certificate_authority"] = _kube.Certificates.CaBase64,
        ["consul_port"] = _consul.Port,
        ["consul_address"] = "127.0.0.1:{port}",
    };

    /// <summary>
    /// Seeds the picture of a busy EKS node on the interrupted instance: its Node (providerID and name from the
    /// instance's EC2 facts), application pods (one Deployment under a PodDisruptionBudget with a replica on a peer
    /// node, a StatefulSet pod), two DaemonSet pods; and its Consul agent with two services.
    /// </summary>
    public void Seed(DemoInstance doomed, DemoInstance peer)
    {
        ArgumentNullException.ThrowIfNull(doomed);
        ArgumentNullException.ThrowIfNull(peer);
        _nodeName = doomed.NodeName;
        _kube.AddNode(doomed.NodeName, ProviderId(doomed), doomed.Zone);
        _kube.AddNode(peer.NodeName, ProviderId(peer), peer.Zone);

        var web = new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = "web" };
        AddPod("default", "web-6d8f7c9b5-x2k4p", doomed.NodeName, web, "ReplicaSet", _toEvict, _pdbPods);
        AddPod("default", "web-6d8f7c9b5-q7m2n", peer.NodeName, web, "ReplicaSet", _pdbPods);
        _kube.AddPdb("default", PdbName, web, PdbMinAvailable);
        AddPod("default", "api-7c5d9f8b6-h3j8k", doomed.NodeName, new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = "api" }, "ReplicaSet", _toEvict);
        AddPod("default", "orders-0", doomed.NodeName, new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = "orders" }, "StatefulSet", _toEvict);
        AddPod("kube-system", "aws-node-8xk2f", doomed.NodeName, null, "DaemonSet", _daemonSetPods);
        AddPod("kube-system", "kube-proxy-p4t9z", doomed.NodeName, null, "DaemonSet", _daemonSetPods);
        AddPod("kube-system", "coredns-5d78c9869d-b8kfm", peer.NodeName, null, "ReplicaSet");

        (string Id, string Name)[] services = [("web-8080", "web"), ("node-exporter-9100", "node-exporter")];
        foreach ((string id, string name) in services)
        {
            _consul.AddService(id, name);
            _services.Add(id);
        }
    }

    /// <summary>What was seeded, in a line each, for the terminal.</summary>
    public IEnumerable<string> DescribeSeed() =>
    [
        $"node {_nodeName}: pods {string.Join(", ", _toEvict.Concat(_daemonSetPods))}; PodDisruptionBudget {PdbName} (minAvailable {PdbMinAvailable}) over {string.Join(", ", _pdbPods)}",
        $"agent {_consul.NodeName}: services {string.Join(", ", _services)}",
    ];

    /// <summary>
    /// The invariants of drain and Consul, read from the simulators' own state, not from the steps' reports; with
    /// <paramref name="terminatedAtRequest"/> (the simulator's request count when the terminated state change was sent),
    /// also that the out-of-service taint landed after it and not before.
    /// </summary>
    public IReadOnlyList<DemoCheck> Checks(int? terminatedAtRequest = null)
    {
        if (_nodeName is null)
        {
            throw new InvalidOperationException("the simulators were not seeded");
        }

        var present = _kube.PodKeys().ToHashSet(StringComparer.Ordinal);
        var evicted = _kube.Evictions.Select(e => e.Pod).ToHashSet(StringComparer.Ordinal);
        bool cordoned = _kube.GetNode(_nodeName)["spec"]?["unschedulable"]?.GetValue<bool>() == true;
        var notEvicted = _toEvict.Where(p => !evicted.Contains(p) || present.Contains(p)).ToList();
        var pdbLeft = _pdbPods.Where(present.Contains).ToList();
        var daemonSetGone = _daemonSetPods.Where(p => evicted.Contains(p) || !present.Contains(p)).ToList();
        IReadOnlyList<string> servicesLeft = _consul.ServiceIds;
        List<string> nodeEvents = _kube.Events.Where(e => e.InvolvedKind == "Node" && e.InvolvedName == _nodeName).Select(e => e.Reason).ToList();
        bool toldStartAndEnd = nodeEvents.Contains(NodeEventReasons.DrainStarted) && nodeEvents.Contains(NodeEventReasons.DrainSucceeded);
        return
        [
            new("drain: node cordoned", cordoned, $"{_nodeName} spec.unschedulable={(cordoned ? "true" : "false")}"),
            new("drain: pods evicted", notEvicted.Count == 0,
                notEvicted.Count == 0 ? $"{_toEvict.Count} evicted through the Eviction API and gone" : $"still there or not evicted: {string.Join(", ", notEvicted)}"),
            new("drain: PodDisruptionBudget respected", pdbLeft.Count >= PdbMinAvailable,
                $"{PdbName}: {pdbLeft.Count.ToString(CultureInfo.InvariantCulture)} of {_pdbPods.Count.ToString(CultureInfo.InvariantCulture)} pods running, minAvailable {PdbMinAvailable.ToString(CultureInfo.InvariantCulture)}"),
            new("drain: DaemonSet pods left", daemonSetGone.Count == 0,
                daemonSetGone.Count == 0 ? string.Join(", ", _daemonSetPods) : $"evicted or gone: {string.Join(", ", daemonSetGone)}"),
            new("drain: node events recorded", toldStartAndEnd,
                nodeEvents.Count == 0 ? "no Kubernetes Event on the node" : $"{nodeEvents.Count.ToString(CultureInfo.InvariantCulture)} on {_nodeName}: {string.Join(", ", nodeEvents.Distinct())}"),
            new("consul: services deregistered", servicesLeft.Count == 0,
                servicesLeft.Count == 0 ? string.Join(", ", _services) : $"still registered: {string.Join(", ", servicesLeft)}"),
            new("consul: agent left", _consul.HasLeft, _consul.HasLeft ? $"{_consul.NodeName} left the cluster" : $"{_consul.NodeName} was never asked to leave"),
            .. terminatedAtRequest is int at ? [OutOfServiceCheck(at)] : Array.Empty<DemoCheck>(),
        ];
    }

    /// <summary>When the Kubernetes simulator accepted its first eviction, by its own record; null before any.</summary>
    public DateTimeOffset? FirstEvictionAt => _kube.Evictions.Count == 0 ? null : _kube.Evictions.Min(e => e.At);

    /// <summary>Request count of the Kubernetes simulator now (marks when an event was sent).</summary>
    public int KubernetesRequests => _kube.Requests.Count;

    private const string OutOfServiceTaint = TerminatedNodeCleanup.OutOfServiceTaint;

    private DemoCheck OutOfServiceCheck(int terminatedAtRequest)
    {
        FakeKubeApiServer.RecordedNodeChange? tainted = _kube.NodeChanges.FirstOrDefault(c => c.Node == _nodeName && c.Taints.Contains(OutOfServiceTaint));
        bool ok = tainted is not null && tainted.RequestIndex >= terminatedAtRequest;
        string detail = tainted is null
            ? "no out-of-service taint on the node"
            : $"{OutOfServiceTaint} at request {tainted.RequestIndex.ToString(CultureInfo.InvariantCulture)}, the terminated state change at {terminatedAtRequest.ToString(CultureInfo.InvariantCulture)}";
        return new("drain: node out of service after termination", ok, detail);
    }

    public async ValueTask DisposeAsync()
    {
        await _consul.DisposeAsync().ConfigureAwait(false);
        await _kube.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The shape the EKS authenticator checks before asking STS: prefix, then a presigned GetCallerIdentity URL.</summary>
    private static bool IsEksToken(string token)
    {
        if (!token.StartsWith(EksTokenPresigner.TokenPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        string base64 = token[EksTokenPresigner.TokenPrefix.Length..].Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        try
        {
            string url = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            return url.StartsWith("https://sts.", StringComparison.Ordinal)
                && url.Contains("Action=GetCallerIdentity", StringComparison.Ordinal)
                && url.Contains("x-k8s-aws-id", StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string ProviderId(DemoInstance instance) => $"aws:///{instance.Zone}/{instance.InstanceId}";

    private void AddPod(string ns, string name, string node, IReadOnlyDictionary<string, string>? labels, string ownerKind, params List<string>[] lists)
    {
        // 30 s is the API default grace; the drainer cuts it to k8s_node_drain_grace_second and the time left.
        _kube.AddPod(ns, name, node, labels, ownerKind, graceSeconds: 30);
        foreach (List<string> list in lists)
        {
            list.Add($"{ns}/{name}");
        }
    }
}
