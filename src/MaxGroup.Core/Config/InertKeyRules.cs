using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>
/// Warnings for keys a user set that do nothing, or only part of what max_group did, for the group's effective strategy
/// and switches. Each names the key and where it was set (file path or tag) and says why; none is an error, so every
/// config the original accepted is still used. Only keys some source sets are reported, never a default.
/// </summary>
public static class InertKeyRules
{
    private const string SwapBackOnlyHint = "remove this key, or set is_to_revert_to_spot: true";

    /// <summary>The warnings of <paramref name="config"/>, built from <paramref name="entries"/> (the keys sources set).</summary>
    public static IEnumerable<ConfigProblem> Check(GroupConfig config, IReadOnlyDictionary<string, ConfigEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(entries);
        var problems = new List<ConfigProblem>();
        void Warn(ConfigEntry entry, string message, string hint) =>
            problems.Add(Located(new ConfigProblem(entry.Path, message, hint, ConfigSeverity.Warning), entry));

        List<ConfigEntry> alternatives = entries.Values
            .Where(e => GroupConfigKeys.TryParseAlternative(e.Key, out _))
            .OrderBy(e => GroupConfigKeys.TryParseAlternative(e.Key, out int n) ? n : 0)
            .ToList();
        entries.TryGetValue("is_prefer_multiple_types", out ConfigEntry? prefer);
        entries.TryGetValue("is_enable_od_fallback", out ConfigEntry? fallback);
        entries.TryGetValue("is_only_od_rep", out ConfigEntry? onlyOnDemand);

        // Keys with no effect on any launch MaxGroup makes (ReplacementPlanner's candidate order).
        string? preferInert = config.IsOnlyOdRep ? "is_only_od_rep: true launches On-Demand only, so there is no Spot-before-On-Demand order to choose"
            : !config.IsEnableOdFallback ? "is_enable_od_fallback: false launches Spot only, so there is no On-Demand to put before or after the alternatives"
            : alternatives.Count == 0 ? "no alt<N> key is set, and it only orders the alternative types against On-Demand"
            : null;
        if (prefer is not null && preferInert is not null)
        {
            Warn(prefer, "has no effect: " + preferInert, "remove this key");
        }

        bool fallbackInert = config.IsOnlyOdRep && fallback is not null;
        if (fallbackInert)
        {
            Warn(fallback!, $"has no effect: is_only_od_rep: true{SourceOf(onlyOnDemand)} replaces with On-Demand only", "remove one of the two");
        }

        if (config.EffectiveStrategy == ReplacementStrategy.Detach)
        {
            // The group launches the replacement from its own types and market; MaxGroup launches only when that launch
            // fails: the detach fall-through, and the backfill of a failed launch.
            string strategy = config.ReplacementStrategy == ReplacementStrategy.Detach
                ? "replacement_strategy is detach"
                : "replacement_strategy auto is detach for a group without persistence_dev";
            string onlyWhen = $"{strategy}, so the group launches the replacement from its own types and market; this key is used only when that launch fails (MaxGroup's fall-through launch after the group's replacement did not appear, and the backfill of a failed launch)";
            const string Hint = "set replacement_strategy: launch for MaxGroup to launch every successor this way";
            if (alternatives.Count > 0)
            {
                string names = string.Join(", ", alternatives.Select(a => $"{a.Key} {a.Value}"));
                // Preaction picks its safer types among them too, so with preaction on they are not launch-failure-only.
                string preaction = config.IsEnablePreaction ? ", and as the safer types preaction may swap to" : "";
                Warn(alternatives[0], $"{names}: {onlyWhen}{preaction}", Hint);
            }

            if (fallback is not null && !fallbackInert)
            {
                Warn(fallback, onlyWhen + ": Auto Scaling itself never falls back from Spot to On-Demand", Hint);
            }

            if (prefer is not null && preferInert is null)
            {
                Warn(prefer, onlyWhen, Hint);
            }

            if (config.IsOnlyOdRep)
            {
                Warn(onlyOnDemand!, onlyWhen + ": the group's own replacement comes from its own market, Spot included",
                    "use \"auto\" or \"launch\" (auto launches On-Demand successors when is_only_od_rep is true)");
            }
        }

        CheckSwapBack(config, entries, Warn);
        CheckPreactionBatch(config, entries, Warn);
        return problems;
    }

    /// <summary>The swap back to Spot: its lifetimes do nothing when it is off or never scheduled.</summary>
    private static void CheckSwapBack(GroupConfig config, IReadOnlyDictionary<string, ConfigEntry> entries, Action<ConfigEntry, string, string> warn)
    {
        entries.TryGetValue("is_to_revert_to_spot", out ConfigEntry? revert);
        entries.TryGetValue(GroupConfigKeys.PreactionSnapshotIntervalKey, out ConfigEntry? interval);
        foreach (string key in (string[])["od_least_live_mins", "alt_least_live_mins"])
        {
            if (!entries.TryGetValue(key, out ConfigEntry? entry))
            {
                continue;
            }

            if (!config.IsToRevertToSpot)
            {
                warn(entry, $"has no effect: the swap back to Spot is off (is_to_revert_to_spot: false{SourceOf(revert)})", SwapBackOnlyHint);
            }
            else if (config.PreactionSnapshotIntervalMinutes == 0)
            {
                warn(entry, $"has no effect: preaction_snapshot_interval_minutes is 0{SourceOf(interval)}, so no preaction run swaps fallbacks back to Spot",
                    "set preaction_snapshot_interval_minutes, e.g. 20, for the group");
            }
            else if (key == "od_least_live_mins" && config.IsOnlyOdRep)
            {
                warn(entry, "has no effect: with is_only_od_rep: true On-Demand successors are what the group asked for and are never swapped back", "remove this key");
            }
        }

        if (revert is not null && config.IsToRevertToSpot && config.PreactionSnapshotIntervalMinutes == 0)
        {
            warn(revert, $"has no effect: preaction_snapshot_interval_minutes is 0{SourceOf(interval)}, and the swap back runs on the preaction schedule",
                "set preaction_snapshot_interval_minutes, e.g. 20, for the group");
        }
    }

    /// <summary>The preaction batch settings serve advisor-driven preaction and the swap back; with both off they do nothing.</summary>
    private static void CheckPreactionBatch(GroupConfig config, IReadOnlyDictionary<string, ConfigEntry> entries, Action<ConfigEntry, string, string> warn)
    {
        if (config.IsEnablePreaction || config.IsToRevertToSpot)
        {
            return;
        }

        foreach (string key in (string[])["max_num_of_terminated_one_time", "preaction_detach_delay_seconds", "preaction_termination_delay_seconds", "preaction_k8s_delay_draining_secs"])
        {
            if (entries.TryGetValue(key, out ConfigEntry? entry))
            {
                warn(entry, "has no effect: preaction is off (is_enable_preaction: false) and so is the swap back to Spot (is_to_revert_to_spot: false)",
                    "remove this key, or turn one of the two on");
            }
        }
    }

    /// <summary>` (tag spotmax:x)` or ` (s3://…/web.json $.x)` for a key some source set; empty for a default.</summary>
    private static string SourceOf(ConfigEntry? entry) =>
        entry is null ? " by default" : entry.Source.Location == entry.Path ? $" ({entry.Path})" : $" ({entry.Source.Location} {entry.Path})";

    /// <summary>A tag's path already names it; a file's path gets the file as <see cref="ConfigProblem.Location"/>.</summary>
    private static ConfigProblem Located(ConfigProblem problem, ConfigEntry entry) =>
        entry.Source.Location == entry.Path ? problem : problem with { Location = entry.Source.Location };
}
