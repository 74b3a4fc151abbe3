using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>
/// Every key a group config may hold, in the order `config show` prints them. The schema in
/// config/maxgroup-group.schema.json describes the same keys; a test keeps the two in agreement.
/// </summary>
public static partial class GroupConfigKeys
{
    /// <summary>The seed page's spelling of <c>detaching_delay_seconds</c>, accepted as an alias.</summary>
    public const string SeedDetachingDelayAlias = "dettaching_delay_seconds";

    /// <summary>The preaction interval: a group key, and the legacy file's `global` (and queue block) setting.</summary>
    public const string PreactionSnapshotIntervalKey = "preaction_snapshot_interval_minutes";

    /// <summary>Prefix of Auto Scaling group tags that configure a group (max_group Pro style).</summary>
    public const string TagPrefix = "spotmax:";

    /// <summary>
    /// The group tag the deployed roles require (IAM condition autoscaling:ResourceTag/spotmax:managed = "true") before
    /// replace may attach, detach or resize a group. It opts a group in to those permissions; it is not a setting.
    /// </summary>
    public const string ManagedTag = "spotmax:managed";

    /// <summary>The regular expression the schema uses for alternative instance type keys.</summary>
    public const string AlternativeKeyPattern = "^alt[1-9][0-9]?$";

    /// <summary>Device names of EBS data volumes EC2 recommends (the schema uses the same pattern).</summary>
    public const string DevicePattern = "^/dev/(sd[f-p]|xvd[b-z])$";

    /// <summary>EC2 instance type names such as m5.large (the schema uses the same pattern).</summary>
    public const string InstanceTypePattern = "^[a-z][a-z0-9-]*\\.[a-z0-9-]+$";

    /// <summary>Editors put `$schema` in a file; it is accepted at the root and ignored.</summary>
    public const string SchemaKey = "$schema";

    private const string DeviceHint = "use /dev/sdf to /dev/sdp or /dev/xvdb to /dev/xvdz, the names EC2 recommends for EBS data volumes";

    public static readonly IReadOnlyList<ConfigKey> All =
    [
        // MaxGroup's own switches.
        Bool("enabled", c => c.Enabled, (c, v) => c with { Enabled = v }),
        Bool("ignore_tag", c => c.IgnoreTag, (c, v) => c with { IgnoreTag = v }),
        Bool("dry_run", c => c.DryRun, (c, v) => c with { DryRun = v }),
        new ConfigKey
        {
            Name = "replacement_strategy",
            Type = ConfigKeyType.Enum,
            AllowedValues = ["auto", "detach", "launch"],
            Apply = (c, v) => c with { ReplacementStrategy = v.Text switch { "detach" => ReplacementStrategy.Detach, "launch" => ReplacementStrategy.Launch, _ => ReplacementStrategy.Auto } },
            Read = c => ConfigValue.FromText(c.ReplacementStrategy.ToString().ToLowerInvariant()),
        },
        // Terminate lifecycle hooks (issue 20): the result a hand-over that ended with a failed step sends.
        new ConfigKey
        {
            Name = "lifecycle_hook_failure_result",
            Type = ConfigKeyType.Enum,
            AllowedValues = ["continue", "abandon"],
            Apply = (c, v) => c with { LifecycleHookAbandonOnFailure = v.Text == "abandon" },
            Read = c => ConfigValue.FromText(c.LifecycleHookAbandonOnFailure ? "abandon" : "continue"),
        },

        // The original max_group's keys.
        Delay("detaching_delay_seconds", c => c.DetachingDelaySeconds, (c, v) => c with { DetachingDelaySeconds = v }),
        Int("max_num_of_terminated_one_time", 1, 100, c => c.MaxNumOfTerminatedOneTime, (c, v) => c with { MaxNumOfTerminatedOneTime = v }),
        Int("preaction_termination_delay_seconds", 0, 86_400, c => c.PreactionTerminationDelaySeconds, (c, v) => c with { PreactionTerminationDelaySeconds = v }),
        Int("preaction_detach_delay_seconds", 0, 86_400, c => c.PreactionDetachDelaySeconds, (c, v) => c with { PreactionDetachDelaySeconds = v }),
        Bool("is_enable_preaction", c => c.IsEnablePreaction, (c, v) => c with { IsEnablePreaction = v }),
        Bool("is_enable_od_fallback", c => c.IsEnableOdFallback, (c, v) => c with { IsEnableOdFallback = v }),
        Bool("is_to_handle_rebalance_event", c => c.IsToHandleRebalanceEvent, (c, v) => c with { IsToHandleRebalanceEvent = v }),
        Bool("is_to_handle_scaling_failure", c => c.IsToHandleScalingFailure, (c, v) => c with { IsToHandleScalingFailure = v }),
        Bool("is_prefer_multiple_types", c => c.IsPreferMultipleTypes, (c, v) => c with { IsPreferMultipleTypes = v }),
        Bool("is_only_od_rep", c => c.IsOnlyOdRep, (c, v) => c with { IsOnlyOdRep = v }),
        Int("od_least_live_mins", 0, 10_080, c => c.OdLeastLiveMins, (c, v) => c with { OdLeastLiveMins = v }),
        Int("alt_least_live_mins", 0, 10_080, c => c.AltLeastLiveMins, (c, v) => c with { AltLeastLiveMins = v }),
        // MaxGroup's: the swap back to Spot has its own switch (max_group did it whenever preaction ran).
        Bool("is_to_revert_to_spot", c => c.IsToRevertToSpot, (c, v) => c with { IsToRevertToSpot = v }),
        Int(PreactionSnapshotIntervalKey, 0, 10_080, c => c.PreactionSnapshotIntervalMinutes, (c, v) => c with { PreactionSnapshotIntervalMinutes = v }, optional: true),
        Int("preaction_k8s_delay_draining_secs", 0, 86_400, c => c.PreactionK8sDelayDrainingSecs, (c, v) => c with { PreactionK8sDelayDrainingSecs = v }),

        // The persistent data volume.
        new ConfigKey
        {
            Name = "persistence_dev",
            Type = ConfigKeyType.Text,
            IsOptional = true,
            CheckText = CheckDevice,
            Apply = (c, v) => c with { PersistenceDev = v.Text },
            Read = c => c.PersistenceDev is null ? null : ConfigValue.FromText(c.PersistenceDev),
        },
        new ConfigKey
        {
            Name = "persistence_attach_as",
            Type = ConfigKeyType.Text,
            CheckText = CheckDevice,
            Apply = (c, v) => c with { PersistenceAttachAs = v.Text! },
            Read = c => ConfigValue.FromText(c.PersistenceAttachAs),
        },
        new ConfigKey
        {
            Name = "persistence_cross_az",
            Type = ConfigKeyType.Enum,
            AllowedValues = ["snapshot", "wait"],
            Apply = (c, v) => c with { PersistenceCrossAz = v.Text == "wait" ? CrossAzPolicy.Wait : CrossAzPolicy.Snapshot },
            Read = c => ConfigValue.FromText(c.PersistenceCrossAz.ToString().ToLowerInvariant()),
        },

        // Kubernetes.
        Bool("k8s_node_drain_option", c => c.K8sNodeDrainOption, (c, v) => c with { K8sNodeDrainOption = v }),
        Int("k8s_node_drain_grace_second", 0, 3600, c => c.K8sNodeDrainGraceSecond, (c, v) => c with { K8sNodeDrainGraceSecond = v }),
        Delay("k8s_delay_draining_secs", c => c.K8sDelayDrainingSecs, (c, v) => c with { K8sDelayDrainingSecs = v }),
        // The Node once its instance is terminated (issue #22): the out-of-service taint by default.
        new ConfigKey
        {
            Name = "k8s_node_after_termination",
            Type = ConfigKeyType.Enum,
            AllowedValues = ["taint", "delete", "none"],
            Apply = (c, v) => c with { K8sNodeAfterTermination = v.Text switch { "delete" => NodeAfterTermination.Delete, "none" => NodeAfterTermination.None, _ => NodeAfterTermination.Taint } },
            Read = c => ConfigValue.FromText(c.K8sNodeAfterTermination.ToString().ToLowerInvariant()),
        },
        Text("k8s_cluster_name", CheckClusterName, c => c.K8sClusterName, (c, v) => c with { K8sClusterName = v }),
        // Any path: it names a file on the max_group host, which is never read here; its presence turns the drain on.
        Text("k8s_config_file_path", _ => null, c => c.K8sConfigFilePath, (c, v) => c with { K8sConfigFilePath = v }),
        Text("k8s_endpoint", CheckHttpsUrl, c => c.K8sEndpoint, (c, v) => c with { K8sEndpoint = v }),
        Text("k8s_certificate_authority", CheckCertificateAuthority, c => c.K8sCertificateAuthority, (c, v) => c with { K8sCertificateAuthority = v }),

        // Load balancers first (the traffic step, issue #22).
        Bool("lb_deregistration", c => c.LbDeregistration, (c, v) => c with { LbDeregistration = v }),
        Int("lb_deregistration_wait_seconds", 0, ConfigLimits.ReclaimWindowSeconds - 10, c => c.LbDeregistrationWaitSeconds, (c, v) => c with { LbDeregistrationWaitSeconds = v }),

        // Consul.
        new ConfigKey
        {
            Name = "consul_port",
            Type = ConfigKeyType.Port,
            Minimum = 1,
            Maximum = 65_535,
            IsOptional = true,
            Apply = (c, v) => c with { ConsulPort = checked((int)v.Integer) },
            Read = c => c.ConsulPort is int port ? ConfigValue.FromInteger(port) : null,
        },
        new ConfigKey
        {
            Name = "consul_scheme",
            Type = ConfigKeyType.Enum,
            AllowedValues = ["http", "https"],
            Apply = (c, v) => c with { ConsulScheme = v.Text! },
            Read = c => ConfigValue.FromText(c.ConsulScheme),
        },
        new ConfigKey
        {
            Name = "consul_address",
            Type = ConfigKeyType.Text,
            CheckText = CheckConsulAddressTemplate,
            Apply = (c, v) => c with { ConsulAddress = v.Text! },
            Read = c => ConfigValue.FromText(c.ConsulAddress),
        },
        Text("consul_token_parameter", CheckSsmParameterName, c => c.ConsulTokenParameter, (c, v) => c with { ConsulTokenParameter = v }),
        Text("consul_server_address", CheckServerAddress, c => c.ConsulServerAddress, (c, v) => c with { ConsulServerAddress = v }),
        Text("consul_datacenter", CheckDatacenter, c => c.ConsulDatacenter, (c, v) => c with { ConsulDatacenter = v }),
        Delay("sd_delay_detach_secs", c => c.SdDelayDetachSecs, (c, v) => c with { SdDelayDetachSecs = v }, optional: true),

        // Capacity (issue 19).
        Int("spot_pool_ban_minutes", 0, 60, c => c.SpotPoolBanMinutes, (c, v) => c with { SpotPoolBanMinutes = v }),
    ];

    /// <summary>Describes every `altN` key: an alternative instance type, used in the order of N.</summary>
    public static readonly ConfigKey Alternative = new()
    {
        Name = "altN",
        Type = ConfigKeyType.Text,
        IsOptional = true,
        CheckText = CheckInstanceType,
        Apply = (c, _) => c,
        Read = _ => null,
    };

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>`preaction_snapshot_interval_minutes`, as the legacy file's `global` block gives it too (0 = no preaction).</summary>
    public static ConfigKey PreactionSnapshotInterval => ByName[PreactionSnapshotIntervalKey];

    /// <summary>The key named <paramref name="name"/>; the seed spelling maps to detaching_delay_seconds, altN to <see cref="Alternative"/>.</summary>
    public static ConfigKey? Find(string name)
    {
        if (ByName.TryGetValue(name, out ConfigKey? key))
        {
            return key;
        }

        if (name == SeedDetachingDelayAlias)
        {
            return ByName["detaching_delay_seconds"];
        }

        return TryParseAlternative(name, out _) ? Alternative : null;
    }

    /// <summary>True for alt1..alt99; <paramref name="index"/> is N.</summary>
    public static bool TryParseAlternative(string name, out int index)
    {
        index = 0;
        return AlternativeRegex().IsMatch(name) && int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>The nearest known key for a misspelt one, or null when none is close.</summary>
    public static string? Suggest(string unknown)
    {
        string lowered = unknown.ToLowerInvariant().Replace('-', '_').Replace(' ', '_');
        if (lowered != unknown && (Find(lowered) is not null || RecognisedKeys.All.ContainsKey(lowered)))
        {
            return lowered;
        }

        if (lowered.StartsWith("alt", StringComparison.Ordinal) && lowered.Length > 3 && lowered.Skip(3).All(char.IsAsciiDigit))
        {
            return "alt1";
        }

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in All.Select(k => k.Name).Append(SeedDetachingDelayAlias).Concat(RecognisedKeys.All.Keys))
        {
            int distance = EditDistance(lowered, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // Near misses only: a third of the name, at most 3 edits.
        return bestDistance <= Math.Min(3, Math.Max(1, lowered.Length / 3)) ? best : null;
    }

    internal static int EditDistance(string a, string b)
    {
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static ConfigKey Bool(string name, Func<GroupConfig, bool> read, Func<GroupConfig, bool, GroupConfig> apply) => new()
    {
        Name = name,
        Type = ConfigKeyType.Boolean,
        Apply = (c, v) => apply(c, v.Boolean),
        Read = c => ConfigValue.FromBoolean(read(c)),
    };

    private static ConfigKey Int(string name, long min, long max, Func<GroupConfig, int?> read, Func<GroupConfig, int, GroupConfig> apply, bool optional = false) => new()
    {
        Name = name,
        Type = ConfigKeyType.Integer,
        Minimum = min,
        Maximum = max,
        IsOptional = optional,
        Apply = (c, v) => apply(c, checked((int)v.Integer)),
        Read = c => read(c) is int value ? ConfigValue.FromInteger(value) : null,
    };

    /// <summary>A delay counted from the warning: past 119 s it would end after the reclaim, so it is capped there.</summary>
    private static ConfigKey Delay(string name, Func<GroupConfig, int?> read, Func<GroupConfig, int, GroupConfig> apply, bool optional = false) => new()
    {
        Name = name,
        Type = ConfigKeyType.Integer,
        Minimum = 0,
        Maximum = ConfigLimits.ReclaimWindowSeconds - 1,
        IsReclaimWindowDelay = true,
        IsOptional = optional,
        Apply = (c, v) => apply(c, checked((int)v.Integer)),
        Read = c => read(c) is int value ? ConfigValue.FromInteger(value) : null,
    };

    private static ConfigKey Text(string name, Func<string, (string, string)?> check, Func<GroupConfig, string?> read, Func<GroupConfig, string, GroupConfig> apply) => new()
    {
        Name = name,
        Type = ConfigKeyType.Text,
        IsOptional = true,
        CheckText = check,
        Apply = (c, v) => apply(c, v.Text!),
        Read = c => read(c) is string value ? ConfigValue.FromText(value) : null,
    };

    internal static (string, string)? CheckDevice(string value) =>
        DeviceRegex().IsMatch(value) ? null : ($"\"{value}\" is not an EBS data volume device name", DeviceHint);

    internal static (string, string)? CheckInstanceType(string value) =>
        InstanceTypeRegex().IsMatch(value) ? null : ($"\"{value}\" is not an EC2 instance type", "write a type such as m5.large or c6g.xlarge");

    internal static (string, string)? CheckClusterName(string value) =>
        ClusterNameRegex().IsMatch(value) ? null : ($"\"{value}\" is not an EKS cluster name", "letters, digits, - and _, starting with a letter or digit, at most 100 characters");

    internal static (string, string)? CheckHttpsUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttps && uri.Host.Length > 0
            ? null
            : ($"\"{value}\" is not an https URL", "use the API server endpoint as EKS DescribeCluster reports it, e.g. https://ABC.gr7.us-east-1.eks.amazonaws.com");

    internal static (string, string)? CheckCertificateAuthority(string value)
    {
        const string Hint = "paste certificateAuthority.data from `aws eks describe-cluster` unchanged (base64 of the PEM)";
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            return value.Contains("-----BEGIN", StringComparison.Ordinal)
                ? ("is a PEM, not base64 of one", Hint)
                : ("is not base64", Hint);
        }

        return Encoding.UTF8.GetString(decoded).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
            ? null
            : ("does not decode to a PEM certificate", Hint);
    }

    internal static (string, string)? CheckConsulAddressTemplate(string value)
    {
        foreach (Match match in PlaceholderRegex().Matches(value))
        {
            string name = match.Groups[1].Value;
            if (name is not ("private_ip" or "private_dns" or "port"))
            {
                return ($"unknown placeholder {{{name}}}", "use {private_ip}, {private_dns} and {port}, e.g. {private_ip}:{port}");
            }
        }

        return string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace)
            ? ("must be a host:port template without spaces", "the default is {private_ip}:{port}")
            : null;
    }

    internal static (string, string)? CheckSsmParameterName(string value)
    {
        if (TokenLikeRegex().IsMatch(value))
        {
            // Never echo something that looks like a secret.
            return ("looks like a Consul ACL token, not a parameter name", "store the token as an SSM SecureString parameter and put the parameter's name here");
        }

        return SsmNameRegex().IsMatch(value) ? null : ($"\"{value}\" is not an SSM parameter name", "e.g. /maxgroup/consul-token");
    }

    internal static (string, string)? CheckServerAddress(string value)
    {
        if (value.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? null
                : ($"\"{value}\" is not an http(s) URL", "write host:port or http(s)://host:port");
        }

        return HostPortRegex().IsMatch(value) ? null : ($"\"{value}\" is not host or host:port", "write host:port or http(s)://host:port, e.g. consul.internal:8500");
    }

    internal static (string, string)? CheckDatacenter(string value) =>
        DatacenterRegex().IsMatch(value) ? null : ($"\"{value}\" is not a Consul datacenter name", "letters, digits, - and _");

    [GeneratedRegex(AlternativeKeyPattern, RegexOptions.CultureInvariant)]
    private static partial Regex AlternativeRegex();

    [GeneratedRegex(DevicePattern, RegexOptions.CultureInvariant)]
    private static partial Regex DeviceRegex();

    [GeneratedRegex(InstanceTypePattern, RegexOptions.CultureInvariant)]
    private static partial Regex InstanceTypeRegex();

    [GeneratedRegex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex ClusterNameRegex();

    [GeneratedRegex("\\{([^}]*)\\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderRegex();

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenLikeRegex();

    [GeneratedRegex("^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter)?/?[A-Za-z0-9_.\\-/]{1,1011}$", RegexOptions.CultureInvariant)]
    private static partial Regex SsmNameRegex();

    [GeneratedRegex("^[A-Za-z0-9.-]+(:[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPortRegex();

    [GeneratedRegex("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DatacenterRegex();
}
