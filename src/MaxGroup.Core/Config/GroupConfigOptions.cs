using System.Globalization;

namespace MaxGroup.Core.Config;

/// <summary>Where group configs live and how long a loaded one is trusted; read from the MAXGROUP_CONFIG_* variables.</summary>
public sealed record GroupConfigOptions
{
    public const string BucketVariable = "MAXGROUP_CONFIG_BUCKET";
    public const string PrefixVariable = "MAXGROUP_CONFIG_PREFIX";
    public const string LegacyKeyVariable = "MAXGROUP_LEGACY_CONFIG_KEY";
    public const string TtlVariable = "MAXGROUP_CONFIG_TTL_SECONDS";

    public required string Bucket { get; init; }

    /// <summary>Key prefix of per-group files: the file of group G is &lt;prefix&gt;G.json.</summary>
    public string GroupPrefix { get; init; } = "groups/";

    /// <summary>Key of the original service_config.json.</summary>
    public string LegacyKey { get; init; } = "service_config.json";

    /// <summary>How long a loaded object is used before its ETag is checked again.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(30);

    public string GroupKey(string groupName) => GroupPrefix + groupName + ".json";

    public string Describe(string key) => $"s3://{Bucket}/{key}";

    /// <summary>Reads the options; throws <see cref="InvalidOperationException"/> naming the variable that is missing or wrong.</summary>
    public static GroupConfigOptions FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? bucket = getVariable(BucketVariable);
        if (string.IsNullOrWhiteSpace(bucket))
        {
            throw new InvalidOperationException($"{BucketVariable} is not set: name the S3 bucket that holds the group configs.");
        }

        var options = new GroupConfigOptions { Bucket = bucket.Trim() };
        // An empty prefix is meaningful (files at the bucket root), so only an unset variable takes the default.
        if (getVariable(PrefixVariable) is string prefix)
        {
            options = options with { GroupPrefix = prefix };
        }

        if (getVariable(LegacyKeyVariable) is string legacyKey && !string.IsNullOrWhiteSpace(legacyKey))
        {
            options = options with { LegacyKey = legacyKey };
        }

        if (getVariable(TtlVariable) is string ttl && !string.IsNullOrWhiteSpace(ttl))
        {
            if (!int.TryParse(ttl, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) || seconds > 86_400)
            {
                throw new InvalidOperationException($"{TtlVariable}={ttl} is not a number of seconds between 0 and 86400.");
            }

            options = options with { Ttl = TimeSpan.FromSeconds(seconds) };
        }

        return options;
    }
}
