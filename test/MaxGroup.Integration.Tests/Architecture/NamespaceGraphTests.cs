namespace MaxGroup.Integration.Tests.Architecture;

/// <summary>The checks of <see cref="ArchitectureTests"/> catch what they are meant to catch.</summary>
public sealed class NamespaceGraphTests
{
    [Fact]
    public void FindsACycleThroughThreeNamespaces()
    {
        var graph = new NamespaceGraph(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A", "D"],
            ["D"] = [],
        });

        Assert.Equal(["A <-> B <-> C"], graph.Cycles());
    }

    [Fact]
    public void AChainHasNoCycle()
    {
        var graph = new NamespaceGraph(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["A"] = ["B", "C"],
            ["B"] = ["C"],
        });

        Assert.Empty(graph.Cycles());
    }

    [Fact]
    public void AStepUsingTheDispatcherIsAnUpwardUse()
    {
        var graph = new NamespaceGraph(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["MaxGroup.Core.Steps.Volume"] = ["MaxGroup.Core.Model", "MaxGroup.Core.Dispatch"],
            ["MaxGroup.Core.Dispatch"] = ["MaxGroup.Core.Steps.Volume"],
        });

        Assert.Equal(["MaxGroup.Core.Steps.Volume (floor 5) uses MaxGroup.Core.Dispatch (floor 7)"], FloorRules.UpwardUses(graph));
    }

    [Fact]
    public void TheLongestListedPrefixNamesTheFloor()
    {
        Assert.Equal(0, CoreFloors.FloorOf("MaxGroup.Core.Model"));
        Assert.Equal(5, CoreFloors.FloorOf("MaxGroup.Core.Steps.Replace"));
        Assert.Null(CoreFloors.FloorOf("MaxGroup.Core.Modelling"));
        Assert.Null(CoreFloors.FloorOf("MaxGroup.Core"));
    }
}
