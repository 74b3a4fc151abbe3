using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>
/// The two documented generations of max_group configuration, whose defaults differ. A group configured by a file
/// (a per-group file or a service_config.json entry, the 2019 generation) gets that generation's defaults; a group
/// configured only by spotmax:* tags (the 2020-2023 generation) gets the tag list's defaults. The schema lists both.
/// </summary>
public enum ConfigGeneration
{
    /// <summary>service_config.json (2019) and MaxGroup's per-group files: detach delay 20 s, preaction off, ...</summary>
    ServiceConfigFile,

    /// <summary>The later spotmax:&lt;key&gt; tag list: detach delay 30 s, preaction on, drain grace 300 s, ...</summary>
    SpotmaxTags,
}

/// <summary>The defaults of each <see cref="ConfigGeneration"/>.</summary>
public static class ConfigGenerationDefaults
{
    /// <summary>The config every key not set by any source falls back to, for <paramref name="generation"/>.</summary>
    public static GroupConfig For(ConfigGeneration generation, string groupName = "") => generation switch
    {
        // The tag list's defaults (max_group.md, "The later (2020-2023) spotmax:<key> tag list"). sd_delay_detach_secs
        // (30) is left unset: unset means "the detach delay", which is 30 s here too.
        ConfigGeneration.SpotmaxTags => new GroupConfig
        {
            GroupName = groupName,
            DetachingDelaySeconds = 30,
            PreactionDetachDelaySeconds = 30,
            PreactionTerminationDelaySeconds = 300,
            IsEnablePreaction = true,
            K8sNodeDrainGraceSecond = 300,
            K8sDelayDrainingSecs = 90,
            PreactionK8sDelayDrainingSecs = 240,
        },
        _ => new GroupConfig { GroupName = groupName },
    };

    /// <summary>Where a default of <paramref name="generation"/> is said to come from (`config show`).</summary>
    public static ConfigSource SourceOf(ConfigGeneration generation) =>
        generation == ConfigGeneration.SpotmaxTags ? ConfigSource.TagGenerationDefault : ConfigSource.Default;

    /// <summary>
    /// The generation of a group: the tag generation when only tags configure it (a legacy file's `global` block does not
    /// configure a group), else the file generation.
    /// </summary>
    public static ConfigGeneration Of(IEnumerable<GroupConfigSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        bool byFile = false;
        bool byTags = false;
        foreach (GroupConfigSource source in sources)
        {
            if (source.Source.Kind == ConfigSourceKind.Tag)
            {
                byTags |= source.Entries.Count > 0;
            }
            else if (source.Source.Kind is ConfigSourceKind.GroupFile or ConfigSourceKind.LegacyFile && !source.IsSupplementary)
            {
                byFile = true;
            }
        }

        return byTags && !byFile ? ConfigGeneration.SpotmaxTags : ConfigGeneration.ServiceConfigFile;
    }
}
