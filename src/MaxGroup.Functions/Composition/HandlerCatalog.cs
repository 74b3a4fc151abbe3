using System.Diagnostics.CodeAnalysis;
using MaxGroup.Functions.Handlers;

namespace MaxGroup.Functions.Composition;

/// <summary>
/// The composition root: which handler each `_HANDLER` name runs, and how it is built. A factory runs once per
/// execution environment, when its name is selected; the other handlers' clients are never created.
/// </summary>
public sealed class HandlerCatalog
{
    private readonly Dictionary<string, Func<HandlerServices, IFunctionHandler>> _factories = new(StringComparer.Ordinal);

    /// <summary>The registered names, in registration order.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys];

    /// <summary>The handlers this build serves. Adding a function is one line here.</summary>
    public static HandlerCatalog CreateDefault()
    {
        var catalog = new HandlerCatalog();
        catalog.Register(HandlerNames.Dispatcher, static s => MaxGroupRoot.Of(s).DispatcherHandler());
        catalog.Register(HandlerNames.Replace, static s => MaxGroupRoot.Of(s).ReplaceHandler());
        catalog.Register(HandlerNames.Volume, static s => MaxGroupRoot.Of(s).VolumeHandler());
        catalog.Register(HandlerNames.Drain, static s => MaxGroupRoot.Of(s).DrainHandler());
        catalog.Register(HandlerNames.Consul, static s => MaxGroupRoot.Of(s).ConsulHandler());
        catalog.Register(PreactionHandler.HandlerName, static s => MaxGroupRoot.Of(s).PreactionHandler());
        return catalog;
    }

    /// <summary>Registers (or replaces) the factory of <paramref name="name"/>; returns this catalog for chaining.</summary>
    public HandlerCatalog Register(string name, Func<HandlerServices, IFunctionHandler> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = factory;
        return this;
    }

    public bool Contains(string name) => _factories.ContainsKey(name);

    public bool TryCreate(string name, HandlerServices services, [NotNullWhen(true)] out IFunctionHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (name is null || !_factories.TryGetValue(name, out Func<HandlerServices, IFunctionHandler>? factory))
        {
            handler = null;
            return false;
        }

        handler = factory(services);
        return true;
    }

    /// <summary>Builds the handler of <paramref name="name"/>, or throws <see cref="UnknownHandlerException"/> naming the valid ones.</summary>
    public IFunctionHandler Create(string? name, HandlerServices services)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new UnknownHandlerException($"no handler name given; valid handlers: {string.Join(", ", Names)}");
        }

        return TryCreate(name, services, out IFunctionHandler? handler) ? handler : throw new UnknownHandlerException(DescribeUnknown(name));
    }

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
