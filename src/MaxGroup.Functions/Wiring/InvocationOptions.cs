namespace MaxGroup.Functions.Wiring;

/// <summary>
/// How the caller runs the functions: Lambda uses the defaults; `maxgroup invoke --inline --dry-run` sets them.
/// Handlers read them from <see cref="FunctionServices.Options"/>.
/// </summary>
public sealed record InvocationOptions
{
    /// <summary>What Lambda runs with.</summary>
    public static InvocationOptions Lambda { get; } = new();

    /// <summary>The dispatcher runs the remediation handlers in-process and returns when they are done, instead of invoking the functions.</summary>
    public bool Inline { get; init; }

    /// <summary>Compute and log the plan, change nothing (in addition to MAXGROUP_DRY_RUN and per-group dry run).</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// The identity every AWS request of these functions (and the drain function's EKS token) is signed with; null (Lambda, the CLI) = the SDK's default
    /// chain, i.e. the function role's credentials Lambda puts in the environment. The run-time IAM drill gives each
    /// function its own (Security/IamRuntimeDrillTests).
    /// </summary>
    public Amazon.Runtime.AWSCredentials? Credentials { get; init; }
}
