using System.Globalization;

namespace MaxGroup.Core.Steps.Prewarm;

/// <summary>How long pre-warmed successors are kept and how long a claim may sit without a launch.</summary>
public sealed record RebalanceOptions
{
    public const string KeepMinutesVariable = "MAXGROUP_PREWARM_KEEP_MINUTES";

    /// <summary>
    /// How long an unused pre-warmed successor waits for the interruption warning before it is terminated. A
    /// recommendation often comes well before the warning, and often none follows; an hour bounds the cost.
    /// </summary>
    public TimeSpan KeepFor { get; init; } = TimeSpan.FromMinutes(60);
    /// <summary>A claim older than this without a successor belongs to an invocation that died: it may be taken over.</summary>
    public TimeSpan StaleClaim { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How long the ledger keeps a record after its keep time (history), before the TTL removes it.</summary>
    public TimeSpan RecordLifetime { get; init; } = TimeSpan.FromDays(1);
    /// <summary>MAXGROUP_DRY_RUN=true (or the CLI's --dry-run): no group pre-warms for real.</summary>
    public bool ForceDryRun { get; init; }

    public static RebalanceOptions FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var options = new RebalanceOptions
        {
            ForceDryRun = bool.TryParse(getVariable("MAXGROUP_DRY_RUN"), out bool dry) && dry,
        };
        return int.TryParse(getVariable(KeepMinutesVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int minutes) && minutes > 0
            ? options with { KeepFor = TimeSpan.FromMinutes(minutes) }
            : options;
    }
}
