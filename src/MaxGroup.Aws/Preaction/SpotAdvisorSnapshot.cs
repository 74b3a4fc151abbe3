using MaxGroup.Core.Model;
using MaxGroup.Core.Preaction;

namespace MaxGroup.Aws.Preaction;

/// <summary>The trimmed advisor snapshot (config/spot-advisor-trimmed.json) embedded in this assembly: the fallback when the download fails.</summary>
public static class SpotAdvisorSnapshot
{
    /// <summary>The manifest name the csproj gives the embedded file.</summary>
    public const string ResourceName = "MaxGroup.Aws.Preaction.spot-advisor-trimmed.json";

    private static readonly Lazy<SpotAdvisorData> s_data = new(Load);

    /// <summary>The parsed snapshot, marked as the fallback.</summary>
    public static SpotAdvisorData Data => s_data.Value;

    /// <summary>The raw bytes of the snapshot (tests serve them from a loopback server).</summary>
    public static byte[] ReadBytes()
    {
        using Stream stream = typeof(SpotAdvisorSnapshot).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static SpotAdvisorData Load() =>
        SpotAdvisorParser.Parse(ReadBytes(), "embedded trimmed snapshot (config/spot-advisor-trimmed.json)").WithOrigin(
            "embedded trimmed snapshot (config/spot-advisor-trimmed.json)", isFallback: true);
}
