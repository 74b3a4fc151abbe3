using MaxGroup.Functions.Handlers;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// One warm execution environment of MaxGroup's functions for the drill, built with the production catalog, wiring and
/// <see cref="FunctionInvocation"/> like `maxgroup invoke --inline`, but reading its variables from a dictionary
/// (falling back to the process) so that pointing it at the fault proxy changes no process-wide state other tests read.
/// The IAM drill builds one per function, as deployed (not inline), each signing with its own credentials.
/// </summary>
internal sealed class FaultDrillHost : IDisposable
{
    private readonly PowertoolsLoggerFactory _loggers;
    private readonly Dictionary<string, IFunctionHandler> _handlers = new(StringComparer.Ordinal);
    private bool _cold = true;

    public FaultDrillHost(IReadOnlyDictionary<string, string> variables, Stream logs, InvocationOptions? options = null)
    {
        var environment = new Variables(variables);
        var sink = new LogSink(logs);
        var logOptions = PowertoolsLoggerOptions.FromEnvironment(environment, TimeProvider.System, sink);
        _loggers = new PowertoolsLoggerFactory(logOptions);
        Services = new FunctionServices(environment, TimeProvider.System, _loggers, new EmfMetrics(sink, TimeProvider.System, logOptions.Service), options ?? new InvocationOptions { Inline = true });
        Catalog = HandlerCatalog.CreateDefault(Services);
    }

    public FunctionServices Services { get; }

    public HandlerCatalog Catalog { get; }

    public async Task<InvocationResult> InvokeAsync(string function, string input, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(function, out IFunctionHandler? handler))
        {
            handler = Catalog.Create(function);
            _handlers[function] = handler;
        }

        var invocation = new RuntimeInvocation($"drill-{Guid.NewGuid():N}", input)
        {
            InvokedFunctionArn = $"arn:aws:lambda:us-east-1:000000000000:function:maxgroup-{function}",
        };
        var info = new LambdaFunctionInfo($"maxgroup-{function}", "$LATEST", 0, "", "");
        bool cold = _cold;
        _cold = false;
        var context = new LambdaContext(invocation, info, DateTimeOffset.UtcNow + LambdaDeadline.MaxFunctionTimeout, cold, TimeProvider.System);
        using (_loggers.CreateLogger("MaxGroup.Drill").BeginScope(new InvocationLogScope(context)))
        {
            return await FunctionInvocation.RunAsync(function, handler.HandleAsync, input, context, TimeProvider.System, cancellationToken);
        }
    }

    public void Dispose() => _loggers.Dispose();

    private sealed class Variables(IReadOnlyDictionary<string, string> overrides) : IEnvironmentVariables
    {
        private readonly Dictionary<string, string?> _values = overrides.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);

        public string? Get(string name) =>
            _values.TryGetValue(name, out string? value) ? (string.IsNullOrEmpty(value) ? null : value) : NonEmpty(Environment.GetEnvironmentVariable(name));

        public void Set(string name, string? value) => _values[name] = value;

        private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
