using System.Reflection;
using NetArchTest.Rules;

namespace MaxGroup.Integration.Tests.Architecture;

/// <summary>
/// The house rules of docs/architecture.md, read from the compiled assemblies: Core's floors run one way with no
/// cycle, Core names no SDK or Kubernetes client type, and no adapter project uses another.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string[] Adapters = ["MaxGroup.Aws", "MaxGroup.Kubernetes", "MaxGroup.Consul"];

    private static readonly Lazy<NamespaceGraph> CoreGraph = new(() => NamespaceGraph.Of(Core, "MaxGroup.Core"));

    private static Assembly Core => Assembly.Load("MaxGroup.Core");

    [Fact]
    public void CoreNamespacesFormNoCycle()
    {
        NamespaceGraph graph = CoreGraph.Value;

        Assert.True(graph.Namespaces.Count >= 10, $"read only {graph.Namespaces.Count} Core namespaces");
        IReadOnlyList<string> cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "Core namespaces in a cycle: " + string.Join("; ", cycles));
    }

    [Fact]
    public void EveryCoreNamespaceIsOnAFloor()
    {
        NamespaceGraph graph = CoreGraph.Value;

        string[] unplaced = graph.Namespaces.Where(ns => CoreFloors.FloorOf(ns) is null).ToArray();
        Assert.True(unplaced.Length == 0, "Core namespaces on no floor (add them to CoreFloors): " + string.Join(", ", unplaced));
    }

    [Fact]
    public void CoreFloorsRunOneWay()
    {
        NamespaceGraph graph = CoreGraph.Value;

        IReadOnlyList<string> upward = FloorRules.UpwardUses(graph);
        Assert.True(upward.Count == 0, "Core namespaces using a higher floor: " + string.Join("; ", upward));
        // The rule has teeth only if the graph was really read: the runner runs steps, the dispatcher writes the ledger.
        Assert.Contains("MaxGroup.Core.Steps", graph.Uses("MaxGroup.Core.Runner"));
        Assert.Contains("MaxGroup.Core.Ledger", graph.Uses("MaxGroup.Core.Dispatch"));
        Assert.Contains("MaxGroup.Core.Model", graph.Uses("MaxGroup.Core.Ports"));
    }

    [Fact]
    public void CoreNamesNoSdkOrKubernetesClientType()
    {
        TestResult result = Types.InAssembly(Core)
            .ShouldNot().HaveDependencyOnAny("Amazon", "k8s", "KubernetesClient", "MaxGroup.Aws", "MaxGroup.Kubernetes", "MaxGroup.Consul", "MaxGroup.Functions")
            .GetResult();

        Assert.True(result.IsSuccessful, "Core types using an SDK, client or adapter: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Theory]
    [InlineData("MaxGroup.Aws")]
    [InlineData("MaxGroup.Kubernetes")]
    [InlineData("MaxGroup.Consul")]
    public void AnAdapterUsesNoOtherAdapter(string adapter)
    {
        Assembly assembly = Assembly.Load(adapter);
        string[] others = Adapters.Where(a => a != adapter).ToArray();

        string?[] referenced = assembly.GetReferencedAssemblies().Select(a => a.Name).Where(n => others.Contains(n)).ToArray();
        Assert.True(referenced.Length == 0, $"{adapter} references " + string.Join(", ", referenced));
        TestResult result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(others).GetResult();
        Assert.True(result.IsSuccessful, $"{adapter} types using another adapter: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void FunctionsFoldersFormNoCycle()
    {
        NamespaceGraph graph = NamespaceGraph.Of(typeof(MaxGroup.Functions.Runtime.LambdaBootstrap).Assembly, "MaxGroup.Functions");

        IReadOnlyList<string> cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "Functions namespaces in a cycle: " + string.Join("; ", cycles));
    }
}
