namespace MaxGroup.Core.Config;

/// <summary>Where a configuration value came from, e.g. (GroupFile, "s3://bucket/groups/web.json").</summary>
public sealed record ConfigSource(ConfigSourceKind Kind, string Location)
{
    /// <summary>The default of a group configured by a file (service_config.json or a per-group file).</summary>
    public static readonly ConfigSource Default = new(ConfigSourceKind.Default, "default");

    /// <summary>The default of a group configured only by spotmax:* tags (the later generation's defaults).</summary>
    public static readonly ConfigSource TagGenerationDefault = new(ConfigSourceKind.Default, "default (spotmax:* tag generation)");

    public override string ToString() => Location;
}

/// <summary>The configuration sources, highest precedence first.</summary>
public enum ConfigSourceKind
{
    /// <summary>s3://$MAXGROUP_CONFIG_BUCKET/$MAXGROUP_CONFIG_PREFIX&lt;group&gt;.json</summary>
    GroupFile,
    /// <summary>The original service_config.json: its `groups` entry (or `global` for the snapshot interval).</summary>
    LegacyFile,
    /// <summary>Auto Scaling group tags spotmax:&lt;key&gt;.</summary>
    Tag,
    /// <summary>Not set anywhere: the documented default.</summary>
    Default,
}
