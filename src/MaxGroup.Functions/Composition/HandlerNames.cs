namespace MaxGroup.Functions.Composition;

/// <summary>The `_HANDLER` values of the MaxGroup functions; one bootstrap binary serves them all.</summary>
public static class HandlerNames
{
    public const string Dispatcher = "dispatcher";
    public const string Replace = "replace";
    public const string Volume = "volume";
    public const string Drain = "drain";
    public const string Consul = "consul";

    /// <summary>Every function MaxGroup defines, whether or not this build registers it yet.</summary>
    public static IReadOnlyList<string> All { get; } = [Dispatcher, Replace, Volume, Drain, Consul];
}
