using MaxGroup.Functions.Handlers;

namespace MaxGroup.Integration.Tests.Runtime;

public sealed class HandlerCatalogTests
{
    [Fact]
    public void TryCreate_OnlySelectedFactoryRuns()
    {
        var built = new List<string>();
        var catalog = new HandlerCatalog()
            .Register("a", () => Build(built, "a"))
            .Register("b", () => Build(built, "b"));

        Assert.True(catalog.TryCreate("b", out IFunctionHandler? handler));

        Assert.Equal("b", handler.Name);
        Assert.Equal(["b"], built);
        Assert.Equal(["a", "b"], catalog.Names);
    }

    [Fact]
    public void SharedClients_AskedForBySeveralFunctions_AreCreatedOnce()
    {
        FunctionServices services = TestFunctionServices.Create();

        Assert.Same(services.Aws, services.Aws);
        Assert.Same(services.Ledger, services.Ledger);
        Assert.Same(services.Inventory, services.Inventory);
    }

    [Fact]
    public void Create_UnknownName_NamesValidHandlers()
    {
        var catalog = new HandlerCatalog().Register("dispatcher", () => Build([], "dispatcher")).Register("volume", () => Build([], "volume"));

        var ex = Assert.Throws<UnknownHandlerException>(() => catalog.Create("dispatch"));

        Assert.Equal("handler \"dispatch\" is not a MaxGroup handler; valid handlers: dispatcher, volume", ex.Message);
    }

    [Fact]
    public void CreateDefault_InlineDryRun_BuildsTheDispatcherWithThoseOptions()
    {
        FunctionServices services = TestFunctionServices.Create(new InvocationOptions { Inline = true, DryRun = true });
        HandlerCatalog catalog = HandlerCatalog.CreateDefault(services);

        Assert.True(catalog.TryCreate(HandlerNames.Dispatcher, out IFunctionHandler? handler));
        Assert.Equal(HandlerNames.Dispatcher, handler.Name);
        Assert.True(services.Options.Inline);
        Assert.True(services.Options.DryRun);
    }

    [Fact]
    public void CreateDefault_ServesEveryFunctionName_InTheTableOrder()
    {
        HandlerCatalog catalog = HandlerCatalog.CreateDefault(TestFunctionServices.Create());

        Assert.Equal(HandlerNames.All, catalog.Names);
    }

    [Theory]
    [InlineData(HandlerNames.Dispatcher)]
    [InlineData(HandlerNames.Replace)]
    [InlineData(HandlerNames.Volume)]
    [InlineData(HandlerNames.Drain)]
    [InlineData(HandlerNames.Consul)]
    [InlineData(HandlerNames.Preaction)]
    public void CreateDefault_EveryFunction_BuildsWithoutCallingAws(string name)
    {
        HandlerCatalog catalog = HandlerCatalog.CreateDefault(TestFunctionServices.Create(new InvocationOptions { Inline = true }));

        IFunctionHandler handler = catalog.Create(name);

        Assert.Equal(name, handler.Name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CreateDefault_DrainFunctionAndDispatcher_ActOnTerminatedNodes(bool inline)
    {
        FunctionServices services = TestFunctionServices.Create(new InvocationOptions { Inline = inline });
        HandlerCatalog catalog = HandlerCatalog.CreateDefault(services);
        var inProcess = new NoRunner();

        Assert.IsType<DrainFunctionHandler>(catalog.Create(HandlerNames.Drain));
        ITerminatedNodeRunner dispatcherRunner = DrainWiring.DispatcherRunner(services, () => inProcess);
        // Through Lambda the drain function acts (its role is the one mapped into the cluster); in process, this one.
        Assert.Equal(!inline, dispatcherRunner is MaxGroup.Aws.Lambda.TerminatedNodeForwarder);
    }

    private sealed class NoRunner : ITerminatedNodeRunner
    {
        public Task<StepOutcome> RunAsync(TerminatedNodeRequest request, CancellationToken cancellationToken) => Task.FromResult(StepOutcome.NoOp("test"));
    }

    private static DelegateHandler Build(List<string> built, string name)
    {
        built.Add(name);
        return new DelegateHandler(name, (_, _, _) => Task.FromResult("{}"));
    }
}
