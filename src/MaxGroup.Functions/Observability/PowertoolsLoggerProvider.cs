using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Observability;

/// <summary>
/// An <see cref="ILoggerProvider"/> that writes one Powertools-format JSON line per entry (level, message, timestamp,
/// service, cold_start, function_request_id, xray_trace_id, then structured keys). Scopes are shared by all its
/// loggers and flow with the async context, so the runtime loop's invocation scope reaches the handlers' lines.
/// </summary>
public sealed class PowertoolsLoggerProvider(PowertoolsLoggerOptions options) : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();


    public PowertoolsLoggerOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    internal IExternalScopeProvider Scopes => _scopes;

    public ILogger CreateLogger(string categoryName) => new PowertoolsLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        ArgumentNullException.ThrowIfNull(scopeProvider);
        _scopes = scopeProvider;
    }

    public void Dispose()
    {
    }
}
