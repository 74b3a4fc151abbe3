using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>
/// A group's config after merging its sources key by key: the typed <see cref="GroupConfig"/>, the entry (value, path and
/// source) behind every key that some source set, and every problem of the sources and of their combination.
/// </summary>
public sealed record EffectiveGroupConfig(GroupConfig Config, IReadOnlyDictionary<string, ConfigEntry> Entries, IReadOnlyList<ConfigProblem> Problems)
{
    /// <summary>True when at least one source sets at least one key for the group.</summary>
    public bool IsConfigured => Entries.Count > 0;

    public bool HasErrors => Problems.Any(p => p.IsError);

    /// <summary>Whose defaults fill the keys no source sets (see <see cref="ConfigGeneration"/>).</summary>
    public ConfigGeneration Generation { get; init; }

    /// <summary>Where each key's value comes from; keys no source sets come from the default of <see cref="Generation"/>.</summary>
    public IReadOnlyDictionary<string, ConfigSource> Sources
    {
        get
        {
            var sources = new Dictionary<string, ConfigSource>(StringComparer.Ordinal);
            foreach (ConfigKey key in GroupConfigKeys.All)
            {
                sources[key.Name] = ConfigGenerationDefaults.SourceOf(Generation);
            }

            foreach (ConfigEntry entry in Entries.Values)
            {
                sources[entry.Key] = entry.Source;
            }

            return sources;
        }
    }
}
