using System.Globalization;
using System.Text.Json;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>
/// Reads one group's keys from a JSON object (a per-group file or an entry of the legacy `groups` map) or from
/// `spotmax:*` tags, checking every value against <see cref="GroupConfigKeys"/>. Keys with problems are left out.
/// </summary>
public static class GroupConfigReader
{
    private const string DetachingDelayKey = "detaching_delay_seconds";

    /// <summary>Reads a group object; <paramref name="isFileRoot"/> allows the editor's `$schema` key.</summary>
    public static GroupConfigSource ReadObject(JsonElement element, string path, ConfigSource source, bool isFileRoot)
    {
        var entries = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);
        var problems = new List<ConfigProblem>();
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem(path, $"must be an object of group settings, not {Describe(element.ValueKind)}", "write { \"detaching_delay_seconds\": 20, ... }"));
            return new GroupConfigSource(source, entries, problems);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? detachingSpelling = null;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string name = property.Name;
            string keyPath = JsonPath.Child(path, name);
            if (!seen.Add(name))
            {
                problems.Add(new ConfigProblem(keyPath, "duplicate key", "keep one; JSON readers disagree on which copy wins"));
                continue;
            }

            if (name == GroupConfigKeys.SchemaKey && isFileRoot)
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    problems.Add(new ConfigProblem(keyPath, "must be a string", "the URL or path of maxgroup-group.schema.json"));
                }

                continue;
            }

            if (RecognisedKeys.Problem(name, keyPath) is { } recognised)
            {
                problems.Add(recognised);
                continue;
            }

            ConfigKey? key = GroupConfigKeys.Find(name);
            if (key is null)
            {
                string? suggestion = GroupConfigKeys.Suggest(name);
                problems.Add(new ConfigProblem(keyPath, "unknown key", suggestion is null ? "see config/maxgroup-group.schema.json for the keys" : $"did you mean \"{suggestion}\"?"));
                continue;
            }

            if (!TryReadJsonValue(key, property.Value, keyPath, problems, out ConfigValue value) || !CheckValue(key, value, keyPath, problems))
            {
                continue;
            }

            string canonical = key == GroupConfigKeys.Alternative ? name : key.Name;
            if (canonical == DetachingDelayKey)
            {
                if (detachingSpelling is not null)
                {
                    ConfigEntry first = entries[DetachingDelayKey];
                    if (first.Value != value)
                    {
                        problems.Add(new ConfigProblem(keyPath, $"conflicts with {detachingSpelling} ({first.Value} vs {value}): both spellings of the detach delay are given",
                            $"keep only \"{DetachingDelayKey}\""));
                        entries.Remove(DetachingDelayKey);
                    }
                    else
                    {
                        problems.Add(new ConfigProblem(keyPath, $"repeats {detachingSpelling} under the other spelling", $"keep only \"{DetachingDelayKey}\"", ConfigSeverity.Warning));
                    }

                    continue;
                }

                detachingSpelling = name;
            }

            entries[canonical] = new ConfigEntry(canonical, value, keyPath, source);
        }

        return new GroupConfigSource(source, entries, problems);
    }

    /// <summary>
    /// Reads `spotmax:&lt;key&gt;` tags of an Auto Scaling group. Other tags are ignored; `spotmax:group` names the group
    /// on instances (the seed's mount script reads it) and is not a setting. An unknown spotmax key close to a known
    /// one is an error (clearly meant as a setting); any other unknown spotmax key is a warning.
    /// </summary>
    public static GroupConfigSource ReadTags(IEnumerable<AsgTag> tags, string groupName)
    {
        var entries = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);
        var problems = new List<ConfigProblem>();
        var summary = new ConfigSource(ConfigSourceKind.Tag, $"tags of {groupName}");
        foreach (AsgTag tag in tags)
        {
            if (!tag.Key.StartsWith(GroupConfigKeys.TagPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            string name = tag.Key[GroupConfigKeys.TagPrefix.Length..];
            string path = "tag " + tag.Key;
            // spotmax:group names an instance's group; spotmax:managed is the IAM opt-in (GroupConfigKeys.ManagedTag).
            // Neither is a setting.
            if (name is "group" or "managed")
            {
                continue;
            }

            if (RecognisedKeys.Problem(name, path) is { } recognised)
            {
                problems.Add(recognised);
                continue;
            }

            ConfigKey? key = GroupConfigKeys.Find(name);
            if (key is null)
            {
                string? suggestion = GroupConfigKeys.Suggest(name);
                problems.Add(suggestion is null
                    ? new ConfigProblem(path, "unknown spotmax key, ignored", "see config/maxgroup-group.schema.json for the keys", ConfigSeverity.Warning)
                    : new ConfigProblem(path, "unknown key", $"did you mean \"{GroupConfigKeys.TagPrefix}{suggestion}\"?"));
                continue;
            }

            if (!TryParseTagValue(key, tag.Value, path, problems, out ConfigValue value) || !CheckValue(key, value, path, problems))
            {
                continue;
            }

            string canonical = key == GroupConfigKeys.Alternative ? name : key.Name;
            var source = new ConfigSource(ConfigSourceKind.Tag, path);
            if (entries.TryGetValue(canonical, out ConfigEntry? earlier))
            {
                if (earlier.Value != value)
                {
                    problems.Add(new ConfigProblem(path, $"conflicts with {earlier.Path} ({earlier.Value} vs {value}): both spellings of the detach delay are given",
                        $"keep only {GroupConfigKeys.TagPrefix}{DetachingDelayKey}"));
                    entries.Remove(canonical);
                }

                continue;
            }

            entries[canonical] = new ConfigEntry(canonical, value, path, source);
        }

        return new GroupConfigSource(summary, entries, problems);
    }

    private static bool TryReadJsonValue(ConfigKey key, JsonElement element, string path, List<ConfigProblem> problems, out ConfigValue value)
    {
        value = default;
        if (element.ValueKind == JsonValueKind.Null)
        {
            problems.Add(new ConfigProblem(path, $"must be {key.Expected}, not null", "remove the key to use the default"));
            return false;
        }

        switch (key.Type)
        {
            case ConfigKeyType.Boolean:
                if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    value = ConfigValue.FromBoolean(element.GetBoolean());
                    return true;
                }

                problems.Add(new ConfigProblem(path, $"must be true or false, not {Describe(element)}",
                    element.ValueKind == JsonValueKind.String && bool.TryParse(element.GetString(), out bool b) ? $"write {(b ? "true" : "false")} without quotes" : "write true or false"));
                return false;

            case ConfigKeyType.Integer:
                if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long number))
                {
                    value = ConfigValue.FromInteger(number);
                    return true;
                }

                problems.Add(new ConfigProblem(path, $"must be a whole number, not {Describe(element)}",
                    element.ValueKind == JsonValueKind.String && long.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
                        ? $"write {n.ToString(CultureInfo.InvariantCulture)} without quotes"
                        : $"write a number between {key.Minimum} and {key.Maximum}"));
                return false;

            case ConfigKeyType.Port:
                if (element.ValueKind == JsonValueKind.Number)
                {
                    if (element.TryGetInt64(out long port))
                    {
                        value = ConfigValue.FromInteger(port);
                        return true;
                    }
                }
                else if (element.ValueKind == JsonValueKind.String)
                {
                    return TryParsePortText(element.GetString()!, path, problems, out value);
                }

                problems.Add(new ConfigProblem(path, $"must be a port number, not {Describe(element)}", "write 8500 or \"8500\""));
                return false;

            default:
                if (element.ValueKind != JsonValueKind.String)
                {
                    problems.Add(new ConfigProblem(path, $"must be {key.Expected}, not {Describe(element)}",
                        key.Type == ConfigKeyType.Enum ? "write one of the values in quotes" : "put the value in quotes"));
                    return false;
                }

                value = ConfigValue.FromText(element.GetString()!);
                return true;
        }
    }

    private static bool TryParseTagValue(ConfigKey key, string text, string path, List<ConfigProblem> problems, out ConfigValue value)
    {
        value = default;
        string trimmed = text.Trim();
        switch (key.Type)
        {
            case ConfigKeyType.Boolean:
                // The spellings Go's strconv.ParseBool accepts, as max_group Pro parsed its tags with Go.
                switch (trimmed)
                {
                    case "1" or "t" or "T" or "true" or "TRUE" or "True":
                        value = ConfigValue.FromBoolean(true);
                        return true;
                    case "0" or "f" or "F" or "false" or "FALSE" or "False":
                        value = ConfigValue.FromBoolean(false);
                        return true;
                    default:
                        problems.Add(new ConfigProblem(path, $"\"{Shorten(text)}\" is not true or false", "set the tag value to true or false"));
                        return false;
                }

            case ConfigKeyType.Integer:
                if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
                {
                    value = ConfigValue.FromInteger(number);
                    return true;
                }

                problems.Add(new ConfigProblem(path, $"\"{Shorten(text)}\" is not a whole number", $"set the tag value to a number between {key.Minimum} and {key.Maximum}"));
                return false;

            case ConfigKeyType.Port:
                return TryParsePortText(trimmed, path, problems, out value);

            default:
                value = ConfigValue.FromText(trimmed);
                return true;
        }
    }

    private static bool TryParsePortText(string text, string path, List<ConfigProblem> problems, out ConfigValue value)
    {
        value = default;
        if (text.Length is > 0 and <= 6 && text.All(char.IsAsciiDigit))
        {
            value = ConfigValue.FromInteger(long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture));
            return true;
        }

        problems.Add(new ConfigProblem(path, $"\"{Shorten(text)}\" is not a port number", "write the Consul agent's HTTP port, e.g. 8500 or \"8500\""));
        return false;
    }

    /// <summary>Range, enum and text checks shared by files and tags.</summary>
    internal static bool CheckValue(ConfigKey key, ConfigValue value, string path, List<ConfigProblem> problems)
    {
        switch (value.Kind)
        {
            case ConfigValueKind.Integer:
                return CheckInteger(key, value.Integer, path, problems);
            case ConfigValueKind.Text:
                return CheckText(key, value.Text!, path, problems);
            default:
                return true;
        }
    }

    private static bool CheckInteger(ConfigKey key, long number, string path, List<ConfigProblem> problems)
    {
        if (number < 0)
        {
            problems.Add(new ConfigProblem(path, $"must not be negative ({number})", $"use a value between {key.Minimum} and {key.Maximum}"));
            return false;
        }

        if (key.IsReclaimWindowDelay)
        {
            if (number >= ConfigLimits.ReclaimWindowSeconds)
            {
                problems.Add(new ConfigProblem(path,
                    $"a delay of {number} s cannot fit before reclaim: AWS reclaims the instance {ConfigLimits.ReclaimWindowSeconds} s after the warning",
                    $"use at most {ConfigLimits.LatestSafeDelaySeconds} s, which leaves {ConfigLimits.ActionReserveSeconds} s for the action"));
                return false;
            }

            if (number > ConfigLimits.LatestSafeDelaySeconds)
            {
                // Still before reclaim, so usable; but real windows are often shorter than 120 s.
                problems.Add(new ConfigProblem(path,
                    $"a delay of {number} s leaves only {ConfigLimits.ReclaimWindowSeconds - number} s before reclaim",
                    $"keep it at most {ConfigLimits.LatestSafeDelaySeconds} s; notices can arrive late", ConfigSeverity.Warning));
            }

            return true;
        }

        if (number < key.Minimum || number > key.Maximum)
        {
            problems.Add(new ConfigProblem(path, key.Type == ConfigKeyType.Port
                    ? $"{number} is not a port number (1-65535)"
                    : $"{number} is out of range", $"use a value between {key.Minimum} and {key.Maximum}"));
            return false;
        }

        return true;
    }

    private static bool CheckText(ConfigKey key, string text, string path, List<ConfigProblem> problems)
    {
        if (text.Length > ConfigLimits.MaxStringLength)
        {
            problems.Add(new ConfigProblem(path, $"is {text.Length} characters long", $"at most {ConfigLimits.MaxStringLength}"));
            return false;
        }

        if (text.Length == 0)
        {
            problems.Add(new ConfigProblem(path, "must not be empty", "remove the key to leave it unset"));
            return false;
        }

        if (key.Type == ConfigKeyType.Enum)
        {
            if (key.AllowedValues.Contains(text))
            {
                return true;
            }

            string? near = key.AllowedValues.FirstOrDefault(v => string.Equals(v, text, StringComparison.OrdinalIgnoreCase))
                ?? key.AllowedValues.FirstOrDefault(v => GroupConfigKeys.EditDistance(v, text.ToLowerInvariant()) <= 2);
            problems.Add(new ConfigProblem(path, $"\"{Shorten(text)}\" is not {key.Expected}", near is null ? $"use {key.Expected}" : $"did you mean \"{near}\"?"));
            return false;
        }

        if (key.CheckText?.Invoke(text) is (string message, string hint))
        {
            problems.Add(new ConfigProblem(path, message, hint));
            return false;
        }

        return true;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Shorten(element.GetString()!)}\"",
        JsonValueKind.Number => $"the number {Shorten(element.GetRawText())}",
        _ => Describe(element.ValueKind),
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
