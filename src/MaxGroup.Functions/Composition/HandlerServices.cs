using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using MaxGroup.Core.Ports;
using MaxGroup.Functions.Handlers;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Composition;

/// <summary>
/// What handler factories build from: one instance per execution environment (Lambda) or per `maxgroup invoke`.
/// Clients go through <see cref="GetShared{T}"/>, so they are created once, on first use, and only by the handlers
/// that need them.
/// </summary>
public sealed class HandlerServices
{
    private readonly ConcurrentDictionary<Type, Lazy<object>> _shared = new();
    private readonly HandlerCatalog _catalog;

    public HandlerServices(HandlerCatalog catalog, IEnvironmentVariables environment, TimeProvider time, ILoggerFactory loggerFactory, IMetrics metrics, InvocationOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog;
        Environment = environment;
        Time = time;
        LoggerFactory = loggerFactory;
        Metrics = metrics;
        Options = options;
    }

    public IEnvironmentVariables Environment { get; }
    public TimeProvider Time { get; }
    public ILoggerFactory LoggerFactory { get; }
    public IMetrics Metrics { get; }
    public InvocationOptions Options { get; }

    /// <summary>The one instance of <typeparamref name="T"/> for this execution environment, created by <paramref name="create"/> on first use.</summary>
    public T GetShared<T>(Func<HandlerServices, T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        Lazy<object> entry = _shared.GetOrAdd(typeof(T), _ => new Lazy<object>(() => create(this), LazyThreadSafetyMode.ExecutionAndPublication));
        return (T)entry.Value;
    }

    /// <summary>Another handler of the same catalog (the dispatcher's --inline mode runs the remediation handlers in-process).</summary>
    public bool TryCreateHandler(string name, [NotNullWhen(true)] out IFunctionHandler? handler) => _catalog.TryCreate(name, this, out handler);
}
