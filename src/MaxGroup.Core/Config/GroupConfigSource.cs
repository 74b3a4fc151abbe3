namespace MaxGroup.Core.Config;

/// <summary>What one source says about one group: its values by canonical key, and the problems found reading them.</summary>
public sealed record GroupConfigSource(ConfigSource Source, IReadOnlyDictionary<string, ConfigEntry> Entries, IReadOnlyList<ConfigProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);

    /// <summary>True for a source that supplements a group but does not configure it: the legacy `global` block, an uploaded kubeconfig.</summary>
    public bool IsSupplementary { get; init; }

    /// <summary>A source that has nothing to say (no object, no tags).</summary>
    public static GroupConfigSource Empty(ConfigSource source) => new(source, new Dictionary<string, ConfigEntry>(), []);
}
