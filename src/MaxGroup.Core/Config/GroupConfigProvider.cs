using System.Collections.Concurrent;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Config;

/// <summary>
/// Loads a group's effective config from its per-group file, the legacy service_config.json and its spotmax:* tags
/// (that precedence, key by key). Create one per execution environment: objects are cached and revalidated by ETag at
/// most once per <see cref="GroupConfigOptions.Ttl"/>; when a source fails, its last good copy is used.
/// </summary>
/// <param name="store">The config bucket.</param>
/// <param name="autoScaling">Reads group tags; null when tags are not a source (callers then pass tags themselves or none).</param>
/// <param name="options">Keys and revalidation interval.</param>
/// <param name="time">Clock for the revalidation interval.</param>
/// <param name="logger">Warnings for fallbacks, errors for invalid configs.</param>
/// <param name="metrics">ConfigInvalid, ConfigSourceFailed and ConfigUnavailable counts.</param>
public sealed class GroupConfigProvider(IConfigObjectStore store, IAutoScalingApi? autoScaling, GroupConfigOptions options, TimeProvider time, ILogger logger, IMetrics metrics) : IGroupConfigSource
{
    public const string InvalidMetric = "ConfigInvalid";
    public const string SourceFailedMetric = "ConfigSourceFailed";
    public const string UnavailableMetric = "ConfigUnavailable";

    private readonly ConcurrentDictionary<string, Cached<GroupConfigSource>> _groupFiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cached<LegacyConfigDocument>> _legacyFiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cached<IReadOnlyList<AsgTag>>> _tags = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Cached<GroupConfigSource>> _kubeconfigs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _loggedWarnings = new(StringComparer.Ordinal);

    public GroupConfigOptions Options => options;

    /// <summary>The group's config, reading its tags through DescribeAutoScalingGroups (cached like the objects).</summary>
    public Task<ConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken) => GetAsync(groupName, null, cancellationToken);

    /// <summary>The dispatcher's view: managed with the config, or not managed with <see cref="ConfigLookup.Description"/> as the reason.</summary>
    async Task<GroupConfigLookup> IGroupConfigSource.GetAsync(string groupName, CancellationToken cancellationToken) =>
        ToDispatcherView(await GetAsync(groupName, null, cancellationToken));

    /// <summary>The dispatcher's view, the tags taken from the description the dispatcher is making anyway (unless cached).</summary>
    async Task<GroupConfigLookup> IGroupConfigSource.GetAsync(string groupName, Task<AutoScalingGroupInfo?> describing, CancellationToken cancellationToken) =>
        ToDispatcherView(await GetAsync(groupName, null, describing, cancellationToken));

    private static GroupConfigLookup ToDispatcherView(ConfigLookup lookup) =>
        lookup.Managed ? GroupConfigLookup.ManagedBy(lookup.Config, lookup.Description) : GroupConfigLookup.NotManaged(lookup.Description);

    /// <summary>
    /// The group's config. Pass <paramref name="knownTags"/> when the caller already described the group (saves a call);
    /// null reads them through <see cref="IAutoScalingApi"/> when one was given, else uses no tags.
    /// </summary>
    public Task<ConfigLookup> GetAsync(string groupName, IReadOnlyList<AsgTag>? knownTags, CancellationToken cancellationToken) =>
        GetAsync(groupName, knownTags, null, cancellationToken);

    private async Task<ConfigLookup> GetAsync(
        string groupName, IReadOnlyList<AsgTag>? knownTags, Task<AutoScalingGroupInfo?>? describing, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        string groupKey = options.GroupKey(groupName);
        // Each read starts on its own pool thread: a client's first call does its set-up synchronously before it sends,
        // and started inline that set-up would hold the next read back until the first had its answer.
        Task<Read<GroupConfigSource>> groupFileTask = Task.Run(() => ReadObjectAsync(_groupFiles, groupKey,
            bytes => ConfigDocumentParser.ParseGroupFile(bytes, new ConfigSource(ConfigSourceKind.GroupFile, options.Describe(groupKey))), cancellationToken), cancellationToken);
        Task<Read<LegacyConfigDocument>> legacyTask = Task.Run(() => ReadObjectAsync(_legacyFiles, options.LegacyKey,
            bytes => ConfigDocumentParser.ParseLegacyFile(bytes, options.Describe(options.LegacyKey)), cancellationToken), cancellationToken);
        Task<Read<IReadOnlyList<AsgTag>>> tagsTask = knownTags is not null
            ? Task.FromResult(new Read<IReadOnlyList<AsgTag>>(true, knownTags, Stale: false))
            : Task.Run(() => ReadTagsAsync(groupName, describing, cancellationToken), cancellationToken);

        Read<GroupConfigSource> groupFile = await groupFileTask;
        Read<LegacyConfigDocument> legacy = await legacyTask;
        Read<IReadOnlyList<AsgTag>> tags = await tagsTask;
        bool usedLastGood = groupFile.Stale || legacy.Stale || tags.Stale;

        if (!groupFile.Available || !legacy.Available || !tags.Available)
        {
            logger.LogError("Config of group {Group} not acted on: a source could not be read and no earlier copy is held", groupName);
            metrics.Record(UnavailableMetric, 1, MetricUnit.Count, new Dictionary<string, string> { ["Group"] = groupName });
            return new ConfigLookup
            {
                GroupName = groupName,
                Managed = false,
                Reason = ConfigLookupReason.SourceUnavailable,
                Config = new GroupConfig { GroupName = groupName },
                Sources = new EffectiveGroupConfig(new GroupConfig(), new Dictionary<string, ConfigEntry>(), []).Sources,
                UsedLastGood = usedLastGood,
            };
        }

        var sources = new List<GroupConfigSource>();
        bool configured = false;
        if (groupFile.Value is GroupConfigSource fileSource)
        {
            sources.Add(fileSource);
            configured = true;
        }

        var extraProblems = new List<ConfigProblem>();
        if (legacy.Value is LegacyConfigDocument document)
        {
            extraProblems.AddRange(document.Problems.Select(p => p with { Location = document.Location }));
            if (document.Groups.TryGetValue(groupName, out GroupConfigSource? legacyGroup))
            {
                sources.Add(legacyGroup);
                configured = true;
            }
        }

        GroupConfigSource tagSource = GroupConfigReader.ReadTags(tags.Value ?? [], groupName);
        sources.Add(tagSource);
        configured |= tagSource.Entries.Count > 0 || tagSource.HasErrors;

        // The legacy global setting applies to every group but does not by itself make a group managed.
        if (legacy.Value is LegacyConfigDocument withGlobal)
        {
            sources.Add(withGlobal.Global);
        }

        EffectiveGroupConfig effective = GroupConfigMerger.Merge(groupName, sources, extraProblems);
        if (NeedsKubeconfig(effective.Config))
        {
            GroupConfigSource kubeconfig = await ReadKubeconfigAsync(groupName, cancellationToken);
            effective = GroupConfigMerger.Merge(groupName, [.. sources, kubeconfig], extraProblems);
        }
        ConfigLookupReason reason = effective.HasErrors ? ConfigLookupReason.Invalid
            : !configured ? ConfigLookupReason.NotConfigured
            : !effective.Config.IsSwitchedOn ? ConfigLookupReason.Disabled
            : ConfigLookupReason.Managed;
        // Only where the group's tags were really read: without an Auto Scaling client the tag set is unknown, not empty.
        bool tagsRead = knownTags is not null || autoScaling is not null || describing is not null;
        if (reason == ConfigLookupReason.Managed && tagsRead && MissingOptIn(tags.Value ?? [], groupName) is { } optIn)
        {
            effective = effective with { Problems = [.. effective.Problems, optIn] };
        }
        var lookup = new ConfigLookup
        {
            GroupName = groupName,
            Managed = reason == ConfigLookupReason.Managed,
            Reason = reason,
            Config = effective.Config,
            Sources = effective.Sources,
            Generation = effective.Generation,
            Entries = effective.Entries,
            Problems = effective.Problems,
            UsedLastGood = usedLastGood,
        };

        if (reason == ConfigLookupReason.Invalid)
        {
            logger.LogError("Config of group {Group} is invalid and is not acted on: {Problems}", groupName,
                string.Join("; ", effective.Problems.Where(p => p.IsError).Select(p => p.ToLocatedString())));
            metrics.Record(InvalidMetric, 1, MetricUnit.Count, new Dictionary<string, string> { ["Group"] = groupName });
        }
        else if (configured && effective.Problems.Count > 0)
        {
            // Once per execution environment for the same warnings, not on every event: a max_group file brings one
            // "not used" line per queue block, which would otherwise repeat in every dispatcher invocation.
            string warnings = string.Join("; ", effective.Problems.Select(p => p.ToLocatedString()));
            if (!_loggedWarnings.TryGetValue(groupName, out string? logged) || logged != warnings)
            {
                _loggedWarnings[groupName] = warnings;
                logger.LogWarning("Config of group {Group} has warnings: {Problems}", groupName, warnings);
            }
        }

        return lookup;
    }

    /// <summary>
    /// A warning when a group configured for MaxGroup lacks the IAM opt-in tag: its config is used, but the deployed
    /// replace role may not attach, detach or resize the group, so replacement would fail with AccessDenied at 3 a.m.
    /// </summary>
    private static ConfigProblem? MissingOptIn(IReadOnlyList<AsgTag> tags, string groupName)
    {
        AsgTag? tag = tags.FirstOrDefault(t => t.Key == GroupConfigKeys.ManagedTag);
        if (tag?.Value == "true")
        {
            return null;
        }

        const string Why = "the deployed replace role may attach, detach and resize only groups tagged spotmax:managed=true, so replacing an instance of this group would be denied";
        string fix = $"aws autoscaling create-or-update-tags --tags ResourceId={groupName},ResourceType=auto-scaling-group,Key={GroupConfigKeys.ManagedTag},Value=true,PropagateAtLaunch=false (docs/deploy.md)";
        return tag is null
            ? new ConfigProblem("tag " + GroupConfigKeys.ManagedTag, "missing on the group: " + Why, fix, ConfigSeverity.Warning) { Location = $"tags of {groupName}" }
            : new ConfigProblem("tag " + GroupConfigKeys.ManagedTag, $"is \"{tag.Value}\", not \"true\" (IAM compares exactly): " + Why, fix, ConfigSeverity.Warning) { Location = $"tags of {groupName}" };
    }

    /// <summary>A drain with no cluster named (k8s_config_file_path, or the seed's k8s_node_drain_option alone): the uploaded kubeconfig names it.</summary>
    private static bool NeedsKubeconfig(GroupConfig config) =>
        config.K8sNodeDrainOption && config.K8sClusterName is null && config.K8sEndpoint is null;

    /// <summary>
    /// The cluster name from &lt;prefix&gt;&lt;group&gt;.kubeconfig as the lowest source. A missing or unreadable object is not
    /// an error: the merge then warns that no cluster is named, and the group is still handed over (without a drain).
    /// </summary>
    private async Task<GroupConfigSource> ReadKubeconfigAsync(string groupName, CancellationToken cancellationToken)
    {
        string key = options.GroupPrefix + groupName + KubeconfigReader.KeySuffix;
        var source = new ConfigSource(ConfigSourceKind.GroupFile, options.Describe(key));
        Read<GroupConfigSource> read = await ReadObjectAsync(_kubeconfigs, key, bytes =>
        {
            string? cluster = KubeconfigReader.ClusterName(bytes, "cluster", out ConfigProblem? problem);
            var entries = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);
            if (cluster is not null)
            {
                entries["k8s_cluster_name"] = new ConfigEntry("k8s_cluster_name", ConfigValue.FromText(cluster), "cluster", source);
            }

            return new GroupConfigSource(source, entries, problem is null ? [] : [problem]) { IsSupplementary = true };
        }, cancellationToken);
        return read.Value ?? GroupConfigSource.Empty(source) with { IsSupplementary = true };
    }

    private async Task<Read<T>> ReadObjectAsync<T>(ConcurrentDictionary<string, Cached<T>> cache, string key, Func<ReadOnlyMemory<byte>, T> parse, CancellationToken cancellationToken)
        where T : class
    {
        DateTimeOffset now = time.GetUtcNow();
        cache.TryGetValue(key, out Cached<T>? held);
        if (held is not null && now - held.CheckedAt < options.Ttl)
        {
            return new Read<T>(true, held.Value, Stale: false);
        }

        ConfigObjectResult result;
        try
        {
            result = await store.GetAsync(key, held?.ETag, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.Record(SourceFailedMetric, 1, MetricUnit.Count, new Dictionary<string, string> { ["Source"] = "s3" });
            if (held is null)
            {
                logger.LogError(ex, "Reading {Object} failed and no earlier copy is held", options.Describe(key));
                return new Read<T>(false, null, Stale: false);
            }

            // Try again after the TTL rather than on every event while S3 is failing.
            cache[key] = held with { CheckedAt = now };
            logger.LogWarning(ex, "Reading {Object} failed; using the copy with ETag {ETag} loaded earlier", options.Describe(key), held.ETag);
            return new Read<T>(true, held.Value, Stale: true);
        }

        Cached<T> fresh = result.Status switch
        {
            ConfigObjectStatus.NotModified when held is not null => held with { CheckedAt = now },
            ConfigObjectStatus.Found => new Cached<T>(parse(result.Content), result.ETag, now),
            // NotModified without a held copy cannot happen with a conforming store; treat it like a missing object.
            _ => new Cached<T>(null, null, now),
        };
        cache[key] = fresh;
        return new Read<T>(true, fresh.Value, Stale: false);
    }

    private async Task<Read<IReadOnlyList<AsgTag>>> ReadTagsAsync(string groupName, Task<AutoScalingGroupInfo?>? describing, CancellationToken cancellationToken)
    {
        if (autoScaling is null && describing is null)
        {
            return new Read<IReadOnlyList<AsgTag>>(true, [], Stale: false);
        }

        DateTimeOffset now = time.GetUtcNow();
        _tags.TryGetValue(groupName, out Cached<IReadOnlyList<AsgTag>>? held);
        if (held is not null && now - held.CheckedAt < options.Ttl)
        {
            return new Read<IReadOnlyList<AsgTag>>(true, held.Value, Stale: false);
        }

        try
        {
            // The caller's own description, when it has one; a failed one (null) is read again here, errors and all.
            AutoScalingGroupInfo? described = describing is null ? null : await describing;
            if (described is null && autoScaling is not null)
            {
                described = await autoScaling.DescribeGroupAsync(groupName, cancellationToken);
            }

            IReadOnlyList<AsgTag> tags = described?.Tags ?? [];
            _tags[groupName] = new Cached<IReadOnlyList<AsgTag>>(tags, null, now);
            return new Read<IReadOnlyList<AsgTag>>(true, tags, Stale: false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.Record(SourceFailedMetric, 1, MetricUnit.Count, new Dictionary<string, string> { ["Source"] = "autoscaling" });
            if (held is null)
            {
                logger.LogError(ex, "Reading the tags of group {Group} failed and no earlier copy is held", groupName);
                return new Read<IReadOnlyList<AsgTag>>(false, null, Stale: false);
            }

            _tags[groupName] = held with { CheckedAt = now };
            logger.LogWarning(ex, "Reading the tags of group {Group} failed; using the copy loaded earlier", groupName);
            return new Read<IReadOnlyList<AsgTag>>(true, held.Value, Stale: true);
        }
    }

    /// <summary>A held copy: the parsed object (null = the object does not exist), its ETag, and when it was last checked.</summary>
    private sealed record Cached<T>(T? Value, string? ETag, DateTimeOffset CheckedAt)
        where T : class;

    /// <summary>Available = usable (fresh, or a stale copy); Value null = the source has nothing.</summary>
    private sealed record Read<T>(bool Available, T? Value, bool Stale)
        where T : class;
}
