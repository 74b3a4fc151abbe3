namespace MaxGroup.Core.Model;

/// <summary>The names of MaxGroup's functions; each is also the `_HANDLER` value that selects it.</summary>
public static class StepNames
{
    public const string Dispatcher = "dispatcher";
    public const string Replace = "replace";
    public const string Volume = "volume";
    public const string Drain = "drain";
    public const string Consul = "consul";

    /// <summary>The remediation steps the dispatcher can start, in the order they are listed to users.</summary>
    public static readonly IReadOnlyList<string> Remediations = [Replace, Volume, Drain, Consul];
}
