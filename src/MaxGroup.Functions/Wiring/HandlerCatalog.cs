using System.Diagnostics.CodeAnalysis;
using MaxGroup.Core.Model;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Functions.Handlers;
using MaxGroup.Functions.Runtime;
using MaxGroup.Kubernetes.Drain;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// The composition root: which handler each `_HANDLER` name runs, and how it is built. A factory runs when its name is
/// selected, so the other functions' clients are never created; what several functions share (the steps, the
/// dispatcher and runner) is built once per catalog, i.e. once per execution environment.
/// </summary>
public sealed class HandlerCatalog
{
    private readonly Dictionary<string, Func<IFunctionHandler>> _factories = new(StringComparer.Ordinal);

    /// <summary>The registered names, in registration order.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys];

    /// <summary>The handlers this build serves, one per <see cref="HandlerNames.All"/>. Adding a function is one wiring file and one line here.</summary>
    public static HandlerCatalog CreateDefault(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var volume = new Lazy<VolumeWiring>(() => new VolumeWiring(services));
        var kubernetes = new Lazy<KubernetesNodeDrainers>(() => DrainWiring.CreateDrainers(services));
        var drain = new DeferredStep(StepNames.Drain, () => DrainWiring.CreateStep(services, kubernetes.Value));
        var terminatedNodes = new Lazy<TerminatedNodeCleanup>(() => DrainWiring.CreateTerminatedNodeCleanup(services, kubernetes.Value));
        var consul = new DeferredStep(StepNames.Consul, () => ConsulWiring.CreateStep(services));
        var lifecycle = new DeferredStep(StepNames.Lifecycle, () => LifecycleWiring.CreateStep(services));
        var traffic = new DeferredStep(StepNames.Traffic, () => TrafficWiring.CreateStep(services));
        var dispatcher = new Lazy<DispatcherWiring>(() => DispatcherWiring.Create(
            services,
            VolumeWiring.DispatcherTriggers(services, () => volume.Value),
            services.Options.Inline ? [new DeferredStep(StepNames.Volume, () => volume.Value.Step), drain, consul, traffic, lifecycle] : null,
            terminatedNodes: DrainWiring.DispatcherRunner(services, () => terminatedNodes.Value)));
        return new HandlerCatalog()
            .Register(HandlerNames.Dispatcher, () => dispatcher.Value.Handler())
            .Register(HandlerNames.Replace, () => new ReplaceFunctionHandler(
                dispatcher.Value.RemediationHandler(dispatcher.Value.Replace.Remediation),
                WarningIntakeWiring.Create(services, dispatcher.Value.Replace),
                services.Loggers.CreateLogger<ReplaceFunctionHandler>()))
            .Register(HandlerNames.Volume, () => volume.Value.Handler(dispatcher.Value.Runner))
            .Register(HandlerNames.Drain, () => new DrainFunctionHandler(
                dispatcher.Value.RemediationHandler(drain.Step), terminatedNodes.Value, services.Loggers.CreateLogger<DrainFunctionHandler>()))
            .Register(HandlerNames.Consul, () => dispatcher.Value.RemediationHandler(consul.Step))
            .Register(HandlerNames.Preaction, () => PreactionWiring.CreateHandler(services, [drain, consul]))
            .Register(HandlerNames.Lifecycle, () => dispatcher.Value.RemediationHandler(lifecycle.Step))
            .Register(HandlerNames.Traffic, () => dispatcher.Value.RemediationHandler(traffic.Step));
    }

    /// <summary>Registers (or replaces) the factory of <paramref name="name"/>; returns this catalog for chaining.</summary>
    public HandlerCatalog Register(string name, Func<IFunctionHandler> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = factory;
        return this;
    }

    public bool Contains(string name) => _factories.ContainsKey(name);

    public bool TryCreate(string name, [NotNullWhen(true)] out IFunctionHandler? handler)
    {
        if (name is null || !_factories.TryGetValue(name, out Func<IFunctionHandler>? factory))
        {
            handler = null;
            return false;
        }

        handler = factory();
        return true;
    }

    /// <summary>Builds the handler of <paramref name="name"/>, or throws <see cref="UnknownHandlerException"/> naming the valid ones.</summary>
    public IFunctionHandler Create(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new UnknownHandlerException($"no handler name given; valid handlers: {string.Join(", ", Names)}");
        }

        return TryCreate(name, out IFunctionHandler? handler) ? handler : throw new UnknownHandlerException(DescribeUnknown(name));
    }

    /// <summary>The bootstrap's handler factory: <see cref="Create"/> as the runtime loop calls it.</summary>
    public LambdaHandler CreateLambdaHandler(string? name) => Create(name).HandleAsync;

    /// <summary>Why <paramref name="name"/> cannot be served, naming the valid handlers.</summary>
    public string DescribeUnknown(string name)
    {
        string valid = string.Join(", ", Names);
        return HandlerNames.All.Contains(name, StringComparer.Ordinal)
            ? $"handler \"{name}\" is not available in this build yet; valid handlers: {valid}"
            : $"handler \"{Truncate(name)}\" is not a MaxGroup handler; valid handlers: {valid}";
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");
}
