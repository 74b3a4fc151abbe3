using System.Text.Json;

namespace MaxGroup.Core.Config;

/// <summary>
/// Reads the `system` and `global` blocks of the original service_config.json. Both held the daemon's own settings
/// (credentials, region, SQS queues), which have no meaning serverless: each documented key is accepted and reported
/// once as not used, values never echoed (the Aliyun edition put an access secret in `system`). Only
/// `preaction_snapshot_interval_minutes` is read, at the global level or, in older files, inside a queue block.
/// </summary>
public static class LegacyBlockReader
{
    /// <summary>The start of every "documented but not used" warning.</summary>
    public const string NotUsedPrefix = "recognised max_group key, not used here: ";

    private static readonly Dictionary<string, string> SystemKeys = new(StringComparer.Ordinal)
    {
        ["region"] = "the daemon's region (Aliyun edition); MaxGroup acts in the region its functions are deployed to",
        ["access_keyid"] = "the daemon's access key (Aliyun edition); MaxGroup's functions use their IAM roles. The value is not printed; remove it from the file, credentials do not belong in S3",
        ["access_secret"] = "the daemon's access secret (Aliyun edition); MaxGroup's functions use their IAM roles. The value is not printed; remove it from the file, credentials do not belong in S3",
    };

    private static readonly HashSet<string> QueueSettings = new(StringComparer.Ordinal)
    {
        "queue_url", "visibility_timeout_seconds", "max_number_of_messages", "wait_time_seconds", "queue_endpoint", "queue_name",
        GroupConfigKeys.PreactionSnapshotIntervalKey,
    };

    /// <summary>Reports the keys of `system`; never includes a value in a message.</summary>
    public static void ReadSystem(JsonElement element, string path, List<ConfigProblem> problems)
    {
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string keyPath = JsonPath.Child(path, property.Name);
            problems.Add(SystemKeys.TryGetValue(property.Name, out string? what)
                ? new ConfigProblem(keyPath, NotUsedPrefix + what, null, ConfigSeverity.Warning)
                : new ConfigProblem(keyPath, "unknown key of the daemon's system block, ignored (its value is not read)", "MaxGroup needs nothing in system; {} is fine", ConfigSeverity.Warning));
        }
    }

    /// <summary>The global block as a source: the preaction interval if given; queue blocks reported as not used.</summary>
    public static GroupConfigSource ReadGlobal(JsonElement element, string path, ConfigSource source)
    {
        var entries = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);
        var problems = new List<ConfigProblem>();
        ConfigKey interval = GroupConfigKeys.PreactionSnapshotInterval;
        ConfigEntry? fromQueue = null;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string keyPath = JsonPath.Child(path, property.Name);
            if (property.Name == interval.Name)
            {
                if (ReadInterval(property.Value, keyPath, source, problems) is { } entry)
                {
                    entries[interval.Name] = entry;
                }
            }
            else if (property.Value.ValueKind == JsonValueKind.Object && property.Name.EndsWith("_sqs", StringComparison.Ordinal))
            {
                problems.Add(new ConfigProblem(keyPath,
                    NotUsedPrefix + "the daemon polled this queue for events; EventBridge invokes MaxGroup's dispatcher directly, so no queue is read", null, ConfigSeverity.Warning));
                fromQueue ??= ReadQueue(property.Value, keyPath, source, problems);
            }
            else if (property.Name != "...")
            {
                // "..." is the documentation's own placeholder, which users copied.
                problems.Add(new ConfigProblem(keyPath, "unknown key of the daemon's global block, ignored", "global needs only preaction_snapshot_interval_minutes", ConfigSeverity.Warning));
            }
        }

        if (fromQueue is not null)
        {
            if (!entries.TryGetValue(interval.Name, out ConfigEntry? global))
            {
                entries[interval.Name] = fromQueue;
            }
            else if (global.Value != fromQueue.Value)
            {
                problems.Add(new ConfigProblem(fromQueue.Path, NotUsedPrefix + $"{fromQueue.Value} in a queue block; the global level's {global.Value} wins",
                    "keep the setting at the global level only", ConfigSeverity.Warning));
            }
        }

        return new GroupConfigSource(source, entries, problems) { IsSupplementary = true };
    }

    private static ConfigEntry? ReadQueue(JsonElement queue, string path, ConfigSource source, List<ConfigProblem> problems)
    {
        ConfigEntry? interval = null;
        foreach (JsonProperty setting in queue.EnumerateObject())
        {
            string keyPath = JsonPath.Child(path, setting.Name);
            if (setting.Name == GroupConfigKeys.PreactionSnapshotIntervalKey)
            {
                interval = ReadInterval(setting.Value, keyPath, source, problems);
            }
            else if (!QueueSettings.Contains(setting.Name))
            {
                problems.Add(new ConfigProblem(keyPath, "unknown queue setting, ignored", "no queue setting is used serverless", ConfigSeverity.Warning));
            }
        }

        return interval;
    }

    private static ConfigEntry? ReadInterval(JsonElement value, string path, ConfigSource source, List<ConfigProblem> problems)
    {
        ConfigKey key = GroupConfigKeys.PreactionSnapshotInterval;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long minutes))
        {
            problems.Add(new ConfigProblem(path, "must be a whole number of minutes", $"write a number between {key.Minimum} and {key.Maximum}, e.g. 20 (0 = no preaction)"));
            return null;
        }

        ConfigValue typed = ConfigValue.FromInteger(minutes);
        return GroupConfigReader.CheckValue(key, typed, path, problems) ? new ConfigEntry(key.Name, typed, path, source) : null;
    }
}
