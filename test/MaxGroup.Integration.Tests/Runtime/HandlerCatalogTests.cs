using MaxGroup.Core.Ports;
using MaxGroup.Functions.Composition;
using MaxGroup.Functions.Handlers;
using MaxGroup.Functions.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace MaxGroup.Integration.Tests.Runtime;

public sealed class HandlerCatalogTests
{
    [Fact]
    public void TryCreate_OnlySelectedFactoryRuns()
    {
        var built = new List<string>();
        var catalog = new HandlerCatalog()
            .Register("a", _ => Build(built, "a"))
            .Register("b", _ => Build(built, "b"));

        Assert.True(catalog.TryCreate("b", Services(catalog), out IFunctionHandler? handler));

        Assert.Equal("b", handler.Name);
        Assert.Equal(["b"], built);
        Assert.Equal(["a", "b"], catalog.Names);
    }

    [Fact]
    public void GetShared_CalledFromSeveralFactories_CreatesClientOnce()
    {
        int created = 0;
        var catalog = new HandlerCatalog();
        HandlerServices services = Services(catalog);

        object first = services.GetShared(_ => new SharedClient(++created));
        object second = services.GetShared(_ => new SharedClient(++created));

        Assert.Same(first, second);
        Assert.Equal(1, created);
    }

    [Fact]
    public void Create_UnknownName_NamesValidHandlers()
    {
        var catalog = new HandlerCatalog().Register("dispatcher", _ => Build([], "dispatcher")).Register("volume", _ => Build([], "volume"));

        var ex = Assert.Throws<UnknownHandlerException>(() => catalog.Create("dispatch", Services(catalog)));

        Assert.Equal("handler \"dispatch\" is not a MaxGroup handler; valid handlers: dispatcher, volume", ex.Message);
    }

    [Fact]
    public void TryCreateHandler_FromServices_UsesSameCatalogAndOptions()
    {
        HandlerCatalog catalog = HandlerCatalog.CreateDefault();
        HandlerServices services = Services(catalog, new InvocationOptions { Inline = true, DryRun = true });

        Assert.True(services.TryCreateHandler(HandlerNames.Dispatcher, out IFunctionHandler? handler));
        Assert.Equal(HandlerNames.Dispatcher, handler.Name);
        Assert.True(services.Options.Inline);
        Assert.True(services.Options.DryRun);
    }

    private static DelegateHandler Build(List<string> built, string name)
    {
        built.Add(name);
        return new DelegateHandler(name, (_, _, _) => Task.FromResult("{}"));
    }

    private static HandlerServices Services(HandlerCatalog catalog, InvocationOptions? options = null)
    {
        var time = new FakeTimeProvider();
        var logs = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Information, time, new LogSink(Stream.Null)));
        // Lambda always sets AWS_REGION; the real handlers build their (lazy, credential-free) clients for it.
        return new HandlerServices(catalog, new FakeEnvironment(("AWS_REGION", "us-east-1")), time, logs, NullMetrics.Instance, options ?? InvocationOptions.Lambda);
    }

    private sealed record SharedClient(int Serial);
}
