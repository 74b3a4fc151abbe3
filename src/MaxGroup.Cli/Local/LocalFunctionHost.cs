using MaxGroup.Functions.Handlers;
using MaxGroup.Functions.Observability;
using MaxGroup.Functions.Runtime;
using MaxGroup.Functions.Wiring;

namespace MaxGroup.Cli.Local;

/// <summary>
/// Runs MaxGroup's functions in this process through the same catalog and <see cref="FunctionInvocation"/> the Lambda
/// bootstrap uses: one host is one warm execution environment (clients built once, the first invocation cold).
/// Against an emulator (AWS_ENDPOINT_URL set) it creates the ledger table first, as the template does in AWS.
/// </summary>
public sealed class LocalFunctionHost : IDisposable
{
    /// <summary>The deadline a local invocation gets: Lambda's maximum timeout.</summary>
    public static readonly TimeSpan LocalTimeout = LambdaDeadline.MaxFunctionTimeout;

    private readonly IEnvironmentVariables _environment = SystemEnvironmentVariables.Instance;
    private readonly TimeProvider _time;
    private readonly PowertoolsLoggerFactory _loggerFactory;
    private readonly Dictionary<string, IFunctionHandler> _handlers = new(StringComparer.Ordinal);
    private bool _ledgerReady;
    private bool _cold = true;

    public LocalFunctionHost(InvocationOptions options, LogSink logs, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var logOptions = PowertoolsLoggerOptions.FromEnvironment(_environment, _time, logs);
        _loggerFactory = new PowertoolsLoggerFactory(logOptions);
        Services = new FunctionServices(_environment, _time, _loggerFactory, new EmfMetrics(logs, _time, logOptions.Service), options);
        Catalog = HandlerCatalog.CreateDefault(Services);
    }

    /// <summary>The clients this host built (the demo reads the ledger through them).</summary>
    public FunctionServices Services { get; }

    /// <summary>The functions this host runs, as the bootstrap serves them.</summary>
    public HandlerCatalog Catalog { get; }

    /// <summary>Runs <paramref name="function"/> on <paramref name="input"/>; an unknown function throws <see cref="UnknownHandlerException"/>.</summary>
    public async Task<InvocationResult> InvokeAsync(string function, string input, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(function, out IFunctionHandler? handler))
        {
            handler = Catalog.Create(function);
            _handlers[function] = handler;
        }

        if (!_ledgerReady)
        {
            await FunctionServices.EnsureLedgerTableAsync(Services.Aws, _environment.Get, _time, cancellationToken).ConfigureAwait(false);
            _ledgerReady = true;
        }

        LambdaContext context = LocalContext(function);
        using (_loggerFactory.CreateLogger("MaxGroup.Cli").BeginScope(new InvocationLogScope(context)))
        {
            return await FunctionInvocation.RunAsync(function, handler.HandleAsync, input, context, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _loggerFactory.Dispose();

    /// <summary>The context a local invocation gets: a fresh request id, Lambda's maximum timeout.</summary>
    private LambdaContext LocalContext(string function)
    {
        string region = _environment.Get("AWS_REGION") ?? _environment.Get("AWS_DEFAULT_REGION") ?? "us-east-1";
        string functionName = $"maxgroup-{function}";
        var invocation = new RuntimeInvocation($"local-{Guid.NewGuid():N}", "")
        {
            InvokedFunctionArn = $"arn:aws:lambda:{region}:000000000000:function:{functionName}",
        };
        var info = new LambdaFunctionInfo(functionName, "$LATEST", 0, "", "");
        bool cold = _cold;
        _cold = false;
        return new LambdaContext(invocation, info, _time.GetUtcNow() + LocalTimeout, isColdStart: cold, _time);
    }
}
