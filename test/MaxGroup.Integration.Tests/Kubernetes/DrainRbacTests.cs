using System.Text.RegularExpressions;
using MaxGroup.Integration.Tests.Runtime;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>
/// The ClusterRole docs/eks-access.md gives the drain role grants every request a drain sends (read off the loopback
/// API server: find, cordon, successor wait, pods, evictions with a PDB retry, node events), and no pod delete.
/// </summary>
public sealed partial class DrainRbacTests
{
    [Fact]
    public async Task DocumentedClusterRole_GrantsEveryRequestOfADrain()
    {
        HashSet<(string Resource, string Verb)> granted = DocumentedGrants();
        await using DrainHarness h = await DrainHarness.StartAsync();
        FakeKubeApiServer s = h.Server;
        h.AddDoomedNode();
        s.AddNode("node-new", "aws:///us-east-1b/i-0successor", "us-east-1b", created: DateTimeOffset.UtcNow);
        s.AddPod("app", "web-1", "node-a", new Dictionary<string, string> { ["app"] = "web" });
        s.AddPod("app", "api-1", "node-a", new Dictionary<string, string> { ["app"] = "api" });
        s.AddPdb("app", "web-pdb", new Dictionary<string, string> { ["app"] = "web" }, minAvailable: 1);

        StepOutcome outcome = await h.RunAsync(DrainHarness.Request(h.Config(successorWait: 5), timeLeft: TimeSpan.FromSeconds(6), successor: "i-0successor"));

        Assert.Equal(StepStatus.Failed, outcome.Status);
        List<(string Resource, string Verb)> used = s.Requests.Select(r => Authorization(r.Method, r.PathAndQuery)).Distinct().ToList();
        Assert.Contains(("events", "create"), used);
        Assert.Contains(("pods/eviction", "create"), used);
        Assert.All(used, need => Assert.True(granted.Contains(need), $"docs/eks-access.md does not grant {need.Verb} on {need.Resource}"));
        Assert.DoesNotContain(("pods", "delete"), granted);
    }

    /// <summary>The resource and verb the API server's authorizer checks for a request (the core group only: all the drain uses).</summary>
    private static (string Resource, string Verb) Authorization(string method, string pathAndQuery)
    {
        string path = pathAndQuery.Split('?')[0];
        string[] segments = path.Trim('/').Split('/');
        return (method, segments) switch
        {
            ("GET", ["api", "v1", "nodes"]) or ("GET", ["api", "v1", "pods"]) => (segments[2], "list"),
            ("GET", ["api", "v1", "nodes", _]) => ("nodes", "get"),
            ("PATCH", ["api", "v1", "nodes", _]) => ("nodes", "patch"),
            ("POST", ["api", "v1", "namespaces", _, "pods", _, "eviction"]) => ("pods/eviction", "create"),
            ("POST", ["api", "v1", "namespaces", _, "events"]) => ("events", "create"),
            _ => throw new InvalidOperationException($"no RBAC mapping for {method} {pathAndQuery}: add it here and to docs/eks-access.md"),
        };
    }

    private static HashSet<(string, string)> DocumentedGrants()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "eks-access.md"));
        string role = doc[doc.IndexOf("kind: ClusterRole\n", StringComparison.Ordinal)..doc.IndexOf("kind: ClusterRoleBinding", StringComparison.Ordinal)];
        var grants = new HashSet<(string, string)>();
        foreach (Match rule in Rule().Matches(role))
        {
            Assert.Equal("\"\"", rule.Groups["groups"].Value.Trim());
            foreach (string resource in Items(rule.Groups["resources"].Value))
            {
                foreach (string verb in Items(rule.Groups["verbs"].Value))
                {
                    grants.Add((resource, verb));
                }
            }
        }

        Assert.NotEmpty(grants);
        return grants;
    }

    private static IEnumerable<string> Items(string list) => list.Split(',').Select(i => i.Trim().Trim('"'));

    [GeneratedRegex(@"apiGroups: \[(?<groups>[^\]]*)\]\s*\n\s*resources: \[(?<resources>[^\]]*)\]\s*\n\s*verbs: \[(?<verbs>[^\]]*)\]")]
    private static partial Regex Rule();
}
