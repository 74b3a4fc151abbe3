using MaxGroup.Core.Model;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// The `_HANDLER` values of the MaxGroup functions, as template.yaml's Handler properties name them; one bootstrap binary
/// serves them all. The one table of function names: the catalog, the CLI and the tests read it. A remediation
/// function is named after the step it runs.
/// </summary>
public static class HandlerNames
{
    public const string Dispatcher = "dispatcher";
    public const string Replace = StepNames.Replace;
    public const string Volume = StepNames.Volume;
    public const string Drain = StepNames.Drain;
    public const string Consul = StepNames.Consul;
    public const string Lifecycle = StepNames.Lifecycle;
    public const string Traffic = StepNames.Traffic;
    public const string Preaction = "preaction";

    /// <summary>Every function MaxGroup defines, in the order they are listed to users.</summary>
    public static IReadOnlyList<string> All { get; } = [Dispatcher, Replace, Volume, Drain, Consul, Preaction, Lifecycle, Traffic];
}
