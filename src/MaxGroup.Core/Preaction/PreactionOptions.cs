using System.Globalization;

namespace MaxGroup.Core.Preaction;

/// <summary>Settings of preaction that are not per group (per-group keys live in GroupConfig).</summary>
public sealed record PreactionOptions
{
    /// <summary>Environment variable of <see cref="BucketThreshold"/>.</summary>
    public const string BucketThresholdVariable = "MAXGROUP_PREACTION_BUCKET_THRESHOLD";

    /// <summary>
    /// Instances whose type is rated in a bucket strictly above this one are replaced (0 = &lt;5% ... 4 = &gt;20%).
    /// Default 1: types interrupted 10% of the time or more are swapped when a safer allowed type exists.
    /// </summary>
    public int BucketThreshold { get; init; } = 1;

    /// <summary>Environment variable of <see cref="ActOnFallbackData"/>.</summary>
    public const string ActOnFallbackVariable = "MAXGROUP_PREACTION_ACT_ON_FALLBACK";

    /// <summary>
    /// Whether a new batch may start when the download failed and the trimmed snapshot in the repository is used.
    /// Off by default: stale ratings may plan, never act. Open batches are advanced either way.
    /// </summary>
    public bool ActOnFallbackData { get; init; }

    /// <summary>The region the groups live in (the advisor data is per region).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// How long the drain and Consul steps may take when an old instance is handed over: they are not held to an
    /// interruption's 120 s, but to this (at least until the old instance's termination is due).
    /// </summary>
    public TimeSpan HandOverWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A successor that is not InService this long after it was launched is given up (the old instance stays).</summary>
    public TimeSpan SuccessorGiveUpAfter { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Environment variable of <see cref="ScheduleInterval"/> (the stack's PreactionIntervalMinutes).</summary>
    public const string ScheduleIntervalVariable = "MAXGROUP_PREACTION_INTERVAL_MINUTES";

    /// <summary>
    /// The stack's Preaction parameter: "false" leaves the advisor-driven swaps off (groups' is_enable_preaction is then
    /// not acted on) while the schedule runs for the swap back to Spot alone. Unset = on.
    /// </summary>
    public const string AdvisorSwapsVariable = "MAXGROUP_PREACTION_ADVISOR_SWAPS";

    /// <summary>Whether groups with is_enable_preaction get their risky Spot types swapped (see <see cref="AdvisorSwapsVariable"/>).</summary>
    public bool AdvisorSwaps { get; init; } = true;

    /// <summary>How often the scheduled run comes; a group's preaction_snapshot_interval_minutes is honoured at this grain.</summary>
    public TimeSpan ScheduleInterval { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Reads <see cref="BucketThresholdVariable"/>, <see cref="ActOnFallbackVariable"/> and <see cref="ScheduleIntervalVariable"/>; the region is the caller's.</summary>
    public static PreactionOptions FromEnvironment(Func<string, string?> getVariable, string region)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var options = new PreactionOptions { Region = region };
        string? threshold = getVariable(BucketThresholdVariable);
        if (!string.IsNullOrWhiteSpace(threshold))
        {
            if (!int.TryParse(threshold, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value is < 0 or > 4)
            {
                throw new FormatException($"{BucketThresholdVariable} must be a bucket index 0..4, not \"{threshold}\"");
            }

            options = options with { BucketThreshold = value };
        }

        string? interval = getVariable(ScheduleIntervalVariable);
        if (!string.IsNullOrWhiteSpace(interval))
        {
            if (!int.TryParse(interval, NumberStyles.None, CultureInfo.InvariantCulture, out int minutes) || minutes is < 1 or > 10_080)
            {
                throw new FormatException($"{ScheduleIntervalVariable} must be a number of minutes 1..10080, not \"{interval}\"");
            }

            options = options with { ScheduleInterval = TimeSpan.FromMinutes(minutes) };
        }

        if (string.Equals(getVariable(ActOnFallbackVariable), "true", StringComparison.OrdinalIgnoreCase))
        {
            options = options with { ActOnFallbackData = true };
        }

        string? advisorSwaps = getVariable(AdvisorSwapsVariable);
        if (!string.IsNullOrWhiteSpace(advisorSwaps))
        {
            options = advisorSwaps.Trim().ToLowerInvariant() switch
            {
                "true" => options with { AdvisorSwaps = true },
                "false" => options with { AdvisorSwaps = false },
                _ => throw new FormatException($"{AdvisorSwapsVariable} must be true or false, not \"{advisorSwaps}\""),
            };
        }

        return options;
    }
}
