namespace MaxGroup.Core.Model;

/// <summary>
/// The names of the remediation steps, as the ledger and requests carry them. Each step runs in the function of the same
/// name; the table of function names (with the dispatcher and preaction) is MaxGroup.Functions' HandlerNames.
/// </summary>
public static class StepNames
{
    public const string Replace = "replace";
    public const string Volume = "volume";
    public const string Drain = "drain";
    public const string Consul = "consul";
    /// <summary>Keeps an Auto Scaling terminate lifecycle action alive while the other steps run, then completes it.</summary>
    public const string Lifecycle = "lifecycle";

    /// <summary>Deregisters the instance from its group's load balancers before the drain evicts (issue #22).</summary>
    public const string Traffic = "traffic";

    /// <summary>
    /// What was done to the Node once its instance terminated (k8s_node_after_termination, issue #22): recorded on the
    /// hand-over's timeline by the drain function; not a remediation the dispatcher starts, so not in <see cref="Remediations"/>.
    /// </summary>
    public const string NodeAfterTermination = "node";

    /// <summary>The remediation steps the dispatcher can start, in the order they are listed to users.</summary>
    public static readonly IReadOnlyList<string> Remediations = [Replace, Volume, Drain, Consul, Traffic, Lifecycle];
}
