using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>Merges a group's sources key by key (the first source given wins) and checks how the keys combine.</summary>
public static class GroupConfigMerger
{
    private const string DrainOptionKey = "k8s_node_drain_option";

    /// <summary>
    /// Merges <paramref name="sourcesByPrecedence"/>, highest precedence first. `altN` keys merge one by one like any
    /// other key; the alternatives list is then ordered by N.
    /// </summary>
    public static EffectiveGroupConfig Merge(string groupName, IEnumerable<GroupConfigSource> sourcesByPrecedence, IEnumerable<ConfigProblem>? extraProblems = null)
    {
        List<GroupConfigSource> sources = sourcesByPrecedence.ToList();
        var entries = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);
        var problems = new List<ConfigProblem>(extraProblems ?? []);
        foreach (GroupConfigSource source in sources)
        {
            problems.AddRange(source.Problems.Select(p => p.Location is null ? p with { Location = source.Source.Location } : p));
            foreach ((string key, ConfigEntry entry) in source.Entries)
            {
                entries.TryAdd(key, entry);
            }
        }

        ConfigGeneration generation = ConfigGenerationDefaults.Of(sources);
        GroupConfig config = Build(groupName, entries, generation);
        problems.AddRange(CheckCombination(config, entries));
        return new EffectiveGroupConfig(config, entries, problems) { Generation = generation };
    }

    /// <summary>Validates one source alone, as `maxgroup validate` does: its own problems plus how its keys combine with the defaults.</summary>
    public static IReadOnlyList<ConfigProblem> ValidateAlone(string groupName, GroupConfigSource source) =>
        Merge(groupName, [source]).Problems;

    /// <summary>
    /// Applies <paramref name="entries"/> over the defaults of <paramref name="generation"/>. `k8s_config_file_path` turns
    /// the drain on, as it did in the tag generation, unless `k8s_node_drain_option` is given.
    /// </summary>
    public static GroupConfig Build(string groupName, IReadOnlyDictionary<string, ConfigEntry> entries, ConfigGeneration generation = ConfigGeneration.ServiceConfigFile)
    {
        GroupConfig config = ConfigGenerationDefaults.For(generation, groupName);
        var alternatives = new SortedDictionary<int, string>();
        foreach ((string name, ConfigEntry entry) in entries)
        {
            if (GroupConfigKeys.TryParseAlternative(name, out int index))
            {
                alternatives[index] = entry.Value.Text!;
            }
            else if (GroupConfigKeys.Find(name) is ConfigKey key)
            {
                config = key.Apply(config, entry.Value);
            }
        }

        if (config.K8sConfigFilePath is not null && !entries.ContainsKey(DrainOptionKey))
        {
            config = config with { K8sNodeDrainOption = true };
        }

        return alternatives.Count == 0 ? config : config with { AlternativeInstanceTypes = [.. alternatives.Values] };
    }

    /// <summary>Rules between keys. Paths point at the entry that a user would change.</summary>
    public static IReadOnlyList<ConfigProblem> CheckCombination(GroupConfig config, IReadOnlyDictionary<string, ConfigEntry> entries)
    {
        var problems = new List<ConfigProblem>();
        string PathOf(string key, string? fallback = null) =>
            entries.TryGetValue(key, out ConfigEntry? entry) ? entry.Path : entries.TryGetValue(fallback ?? "", out ConfigEntry? other) ? other.Path : key + " (default)";

        if (config.PersistenceDev is not null && config.PersistenceDev == config.PersistenceAttachAs)
        {
            problems.Add(new ConfigProblem(PathOf("persistence_attach_as", "persistence_dev"),
                $"persistence_dev and persistence_attach_as are both {config.PersistenceDev}: the successor already has its own fresh {config.PersistenceDev}",
                config.PersistenceDev == "/dev/xvdz"
                    ? "set persistence_attach_as to another name, e.g. /dev/xvdy, and wait for it in the mount script"
                    : "attach the moved volume under another name, e.g. /dev/xvdz (what the seed's mount script waits for)"));
        }

        if (config.PersistenceDev is null)
        {
            foreach (string key in (string[])["persistence_attach_as", "persistence_cross_az"])
            {
                if (entries.ContainsKey(key))
                {
                    problems.Add(Ignored(entries[key].Path, "persistence_dev"));
                }
            }
        }
        else if (config.ReplacementStrategy == ReplacementStrategy.Detach)
        {
            problems.Add(new ConfigProblem(PathOf("replacement_strategy"),
                "with detach the group picks the successor's Availability Zone, so the volume may have to cross zones",
                "use \"auto\" or \"launch\" to start the successor in the volume's zone", ConfigSeverity.Warning));
        }

        if (config.K8sNodeDrainOption)
        {
            int drainEnds = config.K8sDelayDrainingSecs + config.K8sNodeDrainGraceSecond;
            // Only for a choice the user made: the tag generation's own defaults (90 + 300) are capped by the drainer.
            bool timingSet = entries.ContainsKey("k8s_delay_draining_secs") || entries.ContainsKey("k8s_node_drain_grace_second");
            if (drainEnds > ConfigLimits.ReclaimWindowSeconds && timingSet)
            {
                problems.Add(new ConfigProblem(PathOf("k8s_node_drain_grace_second", "k8s_delay_draining_secs"),
                    $"k8s_delay_draining_secs + k8s_node_drain_grace_second = {drainEnds} s runs past the reclaim {ConfigLimits.ReclaimWindowSeconds} s after the warning; pods get only the time left",
                    $"keep the sum at most {ConfigLimits.ReclaimWindowSeconds} s, e.g. grace {Math.Max(0, ConfigLimits.ReclaimWindowSeconds - config.K8sDelayDrainingSecs - 10)}",
                    ConfigSeverity.Warning));
            }

            if (config.K8sEndpoint is not null && config.K8sCertificateAuthority is null)
            {
                problems.Add(new ConfigProblem(PathOf("k8s_endpoint"), "k8s_endpoint needs k8s_certificate_authority to trust the API server",
                    "add k8s_certificate_authority, or remove k8s_endpoint and set k8s_cluster_name so both come from EKS DescribeCluster"));
            }

            if (config.K8sClusterName is null && config.K8sEndpoint is null)
            {
                // The daemon drained with the kubeconfig of its host; a Lambda has none, so the cluster must be named.
                string hint = $"set k8s_cluster_name, or upload the kubeconfig to the config bucket as <prefix>{config.GroupName}{KubeconfigReader.KeySuffix} (docs/config.md)";
                problems.Add(config.K8sConfigFilePath is not null && !entries.ContainsKey(DrainOptionKey)
                    ? new ConfigProblem(PathOf("k8s_config_file_path"),
                        "turns the drain on, but no cluster is named: the kubeconfig path on the max_group host cannot be read from Lambda, and k8s_cluster_name is missing",
                        hint, ConfigSeverity.Warning)
                    : new ConfigProblem(PathOf(DrainOptionKey), "the drain needs its cluster, and k8s_cluster_name is missing (the daemon used its host's kubeconfig)",
                        hint, ConfigSeverity.Warning));
            }

            if (config.K8sCertificateAuthority is not null && config.K8sEndpoint is null)
            {
                problems.Add(new ConfigProblem(PathOf("k8s_certificate_authority"), "is ignored without k8s_endpoint",
                    "add k8s_endpoint, or remove this key and let EKS DescribeCluster provide both", ConfigSeverity.Warning));
            }
        }
        else
        {
            foreach (string key in (string[])["k8s_node_drain_grace_second", "k8s_delay_draining_secs", "k8s_node_after_termination", "k8s_cluster_name", "k8s_endpoint", "k8s_certificate_authority", "k8s_config_file_path"])
            {
                if (entries.TryGetValue(key, out ConfigEntry? entry))
                {
                    problems.Add(Ignored(entry.Path, "k8s_node_drain_option: true"));
                }
            }
        }

        // Keys that do nothing, or only part of what max_group did, for the effective strategy and switches.
        problems.AddRange(InertKeyRules.Check(config, entries));

        if (config.ConsulPort is null)
        {
            foreach (string key in (string[])["consul_scheme", "consul_address", "consul_token_parameter", "consul_server_address", "consul_datacenter", "sd_delay_detach_secs"])
            {
                if (entries.TryGetValue(key, out ConfigEntry? entry))
                {
                    problems.Add(Ignored(entry.Path, "consul_port"));
                }
            }
        }

        return problems;
    }

    private static ConfigProblem Ignored(string path, string needed) =>
        new(path, $"is ignored without {needed}", $"set {needed} or remove this key", ConfigSeverity.Warning);
}
