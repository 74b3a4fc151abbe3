using System.Text.Json;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Preaction;

/// <summary>
/// Reads spot-advisor-data.json (`spot_advisor` → region → OS → instance type → {"r", "s"}, and `ranges` with the
/// bucket labels) with JsonDocument: AOT-safe, and tolerant of the members MaxGroup does not use.
/// </summary>
public static class SpotAdvisorParser
{
    /// <summary>The operating system key of the advisor data MaxGroup uses unless told otherwise.</summary>
    public const string DefaultOperatingSystem = "Linux";

    /// <summary>Parses the document; throws <see cref="FormatException"/> when it is not advisor data.</summary>
    public static SpotAdvisorData Parse(ReadOnlyMemory<byte> utf8Json, string origin, string operatingSystem = DefaultOperatingSystem)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"spot advisor data from {origin} is not JSON: {ex.Message}", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("spot_advisor", out JsonElement advisor)
                || advisor.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"spot advisor data from {origin} has no \"spot_advisor\" object");
            }

            var labels = new Dictionary<int, string>();
            if (root.TryGetProperty("ranges", out JsonElement ranges) && ranges.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement range in ranges.EnumerateArray())
                {
                    if (range.ValueKind == JsonValueKind.Object
                        && range.TryGetProperty("index", out JsonElement index) && index.TryGetInt32(out int bucket)
                        && range.TryGetProperty("label", out JsonElement label) && label.ValueKind == JsonValueKind.String)
                    {
                        labels[bucket] = label.GetString()!;
                    }
                }
            }

            var regions = new Dictionary<string, IReadOnlyDictionary<string, SpotAdvisorEntry>>(StringComparer.Ordinal);
            foreach (JsonProperty region in advisor.EnumerateObject())
            {
                if (region.Value.ValueKind != JsonValueKind.Object
                    || !region.Value.TryGetProperty(operatingSystem, out JsonElement types)
                    || types.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var entries = new Dictionary<string, SpotAdvisorEntry>(StringComparer.Ordinal);
                foreach (JsonProperty type in types.EnumerateObject())
                {
                    // An entry without a usable rating is left out: an unrated type is never called safer.
                    if (type.Value.ValueKind == JsonValueKind.Object
                        && type.Value.TryGetProperty("r", out JsonElement rate) && rate.TryGetInt32(out int bucket)
                        && bucket >= 0)
                    {
                        int savings = type.Value.TryGetProperty("s", out JsonElement s) && s.TryGetInt32(out int value) ? value : 0;
                        entries[type.Name] = new SpotAdvisorEntry(bucket, savings);
                    }
                }

                regions[region.Name] = entries;
            }

            if (regions.Count == 0)
            {
                throw new FormatException($"spot advisor data from {origin} rates no instance type for {operatingSystem}");
            }

            return new SpotAdvisorData(regions, labels, origin);
        }
    }
}
