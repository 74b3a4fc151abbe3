using MaxGroup.Functions.Handlers;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>A loop wired as Program.cs wires it, over fakes: Runtime API, environment, clock, and a log captured in memory.</summary>
internal sealed class RuntimeTestHost : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);

    private readonly MemoryStream _log = new();

    public RuntimeTestHost(string? handlerName, HandlerCatalog catalog, params RuntimeInvocation[] invocations)
    {
        Environment = new FakeEnvironment(("AWS_LAMBDA_FUNCTION_NAME", "maxgroup-dispatcher"), ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"));
        if (handlerName is not null)
        {
            Environment.Set(LambdaEnvironment.Handler, handlerName);
        }

        Client = new FakeRuntimeApiClient(invocations);
        Catalog = catalog;
        LoggerFactory = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Information, Time, new LogSink(_log)));
        Bootstrap = new LambdaBootstrap(catalog.CreateLambdaHandler, Client, Environment, Time, LoggerFactory.CreateLogger<LambdaBootstrap>());
    }

    public FakeTimeProvider Time { get; } = new(Start);
    public FakeEnvironment Environment { get; }
    public FakeRuntimeApiClient Client { get; }
    public HandlerCatalog Catalog { get; }
    public PowertoolsLoggerFactory LoggerFactory { get; }
    public LambdaBootstrap Bootstrap { get; }

    public static HandlerCatalog CatalogWith(IFunctionHandler handler) => new HandlerCatalog().Register(handler.Name, () => handler);

    public Task<int> RunAsync() => Bootstrap.RunAsync(Client.Stop.Token);

    /// <summary>The JSON log lines written so far.</summary>
    public IReadOnlyList<System.Text.Json.JsonElement> LogLines() =>
        [.. System.Text.Encoding.UTF8.GetString(_log.ToArray())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.Clone())];

    public void Dispose()
    {
        LoggerFactory.Dispose();
        Client.Stop.Dispose();
        _log.Dispose();
    }
}
