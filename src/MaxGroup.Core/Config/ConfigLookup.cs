using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>
/// The answer of <see cref="GroupConfigProvider.GetAsync(string, CancellationToken)"/>: whether to act on the group, the
/// effective config with each key's source, and the problems found. Act only when <see cref="Managed"/> is true.
/// </summary>
public sealed record ConfigLookup
{
    public required string GroupName { get; init; }

    /// <summary>True when some source configures the group, nothing switches it off, and the config is valid.</summary>
    public required bool Managed { get; init; }

    public required ConfigLookupReason Reason { get; init; }

    /// <summary>The merged config (defaults where no source sets a key). Do not act on it unless <see cref="Managed"/>.</summary>
    public required GroupConfig Config { get; init; }

    /// <summary>Source of every key (a <see cref="ConfigSourceKind.Default"/> source for keys no source sets).</summary>
    public required IReadOnlyDictionary<string, ConfigSource> Sources { get; init; }

    /// <summary>Whose defaults fill the keys no source sets.</summary>
    public ConfigGeneration Generation { get; init; }

    /// <summary>The value, path and source of each key some source sets.</summary>
    public IReadOnlyDictionary<string, ConfigEntry> Entries { get; init; } = new Dictionary<string, ConfigEntry>();

    /// <summary>Errors and warnings of all sources and of their combination.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; init; } = [];

    /// <summary>True when a source could not be read and its last good copy was used.</summary>
    public bool UsedLastGood { get; init; }

    /// <summary>A sentence for logs and the ledger.</summary>
    public string Description => Reason switch
    {
        ConfigLookupReason.Managed => $"group {GroupName} is managed",
        ConfigLookupReason.NotConfigured => $"group {GroupName} is not configured in any source",
        ConfigLookupReason.Disabled => $"group {GroupName} is switched off (enabled: false or ignore_tag: true)",
        ConfigLookupReason.Invalid => $"group {GroupName} has an invalid config: " + string.Join("; ", Problems.Where(p => p.IsError).Select(p => p.ToLocatedString())),
        _ => $"the config of group {GroupName} could not be read and no earlier copy is held",
    };
}

/// <summary>Why a group is, or is not, managed.</summary>
public enum ConfigLookupReason
{
    Managed,
    NotConfigured,
    Disabled,
    /// <summary>A source has errors: the group is not acted on until they are fixed.</summary>
    Invalid,
    /// <summary>A source failed (S3 or AutoScaling) before any copy of it was loaded in this execution environment.</summary>
    SourceUnavailable,
}
