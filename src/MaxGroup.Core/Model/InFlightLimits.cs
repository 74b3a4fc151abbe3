using System.Globalization;

namespace MaxGroup.Core.Model;

/// <summary>Caps on interruptions handled at once, globally and per group; they protect the AWS API budget.</summary>
public sealed record InFlightLimits(int Global = InFlightLimits.DefaultGlobal, int PerGroup = InFlightLimits.DefaultPerGroup)
{
    public const int DefaultGlobal = 50;
    public const int DefaultPerGroup = 10;
    public const string GlobalVariable = "MAXGROUP_MAX_IN_FLIGHT";
    public const string PerGroupVariable = "MAXGROUP_MAX_IN_FLIGHT_PER_GROUP";

    /// <summary>
    /// How long after reclaim an active interruption keeps its slot even if no step reports back, so that a
    /// crashed step cannot hold a slot for ever.
    /// </summary>
    public static readonly TimeSpan SlotGrace = TimeSpan.FromMinutes(2);

    /// <summary>Reads the caps from MAXGROUP_MAX_IN_FLIGHT and MAXGROUP_MAX_IN_FLIGHT_PER_GROUP; invalid values fall back to the defaults.</summary>
    public static InFlightLimits FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return new InFlightLimits(Read(getVariable(GlobalVariable), DefaultGlobal), Read(getVariable(PerGroupVariable), DefaultPerGroup));
    }

    private static int Read(string? text, int fallback) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;
}
