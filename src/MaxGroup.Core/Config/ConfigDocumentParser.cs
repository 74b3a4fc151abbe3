using System.Text.Json;

namespace MaxGroup.Core.Config;

/// <summary>
/// Parses config objects with <see cref="JsonDocument"/> (AOT-safe) under size and depth limits. Malformed JSON is
/// reported with its line and column; nothing here throws for bad input.
/// </summary>
public static class ConfigDocumentParser
{
    private static readonly string[] LegacyRootKeys = ["system", "global", "groups"];

    /// <summary>Parses a per-group file (one group object).</summary>
    public static GroupConfigSource ParseGroupFile(ReadOnlyMemory<byte> content, ConfigSource source)
    {
        using JsonDocument? document = TryParse(content, out ConfigProblem? problem);
        return document is null
            ? new GroupConfigSource(source, new Dictionary<string, ConfigEntry>(), [problem!])
            : GroupConfigReader.ReadObject(document.RootElement, JsonPath.Root, source, isFileRoot: true);
    }

    /// <summary>Parses the original service_config.json.</summary>
    public static LegacyConfigDocument ParseLegacyFile(ReadOnlyMemory<byte> content, string location)
    {
        using JsonDocument? document = TryParse(content, out ConfigProblem? problem);
        return document is null
            ? new LegacyConfigDocument(location, new Dictionary<string, GroupConfigSource>(), GroupConfigSource.Empty(GlobalSource(location)) with { IsSupplementary = true }, [problem!])
            : ReadLegacy(document.RootElement, location);
    }

    /// <summary>
    /// Validates a file of either kind, as `maxgroup validate` does: a root with `groups`, `system` or `global` is a
    /// legacy file, anything else a per-group file (named after <paramref name="location"/>).
    /// </summary>
    public static IReadOnlyList<ConfigProblem> Validate(ReadOnlyMemory<byte> content, string location)
    {
        using JsonDocument? document = TryParse(content, out ConfigProblem? problem);
        if (document is null)
        {
            return [problem!];
        }

        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && LegacyRootKeys.Any(k => root.TryGetProperty(k, out _)))
        {
            LegacyConfigDocument legacy = ReadLegacy(root, location);
            var problems = new List<ConfigProblem>(legacy.Problems);
            problems.AddRange(legacy.Global.Problems);
            foreach ((string name, GroupConfigSource group) in legacy.Groups)
            {
                problems.AddRange(GroupConfigMerger.ValidateAlone(name, group).Select(p => p with { Location = null }));
            }

            return problems;
        }

        string groupName = Path.GetFileNameWithoutExtension(location);
        GroupConfigSource source = GroupConfigReader.ReadObject(root, JsonPath.Root, new ConfigSource(ConfigSourceKind.GroupFile, location), isFileRoot: true);
        return GroupConfigMerger.ValidateAlone(groupName, source).Select(p => p with { Location = null }).ToList();
    }

    private static JsonDocument? TryParse(ReadOnlyMemory<byte> content, out ConfigProblem? problem)
    {
        problem = null;
        if (content.Length > ConfigLimits.MaxObjectBytes)
        {
            problem = new ConfigProblem(JsonPath.Root, $"the object is larger than the {ConfigLimits.MaxObjectBytes / 1024} KiB limit",
                "split the legacy file into per-group files, one per Auto Scaling group");
            return null;
        }

        // JsonDocument does not skip a UTF-8 byte order mark, which Windows editors like to write.
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (content.Span.StartsWith(bom))
        {
            content = content[3..];
        }

        if (content.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            problem = new ConfigProblem(JsonPath.Root, "the object is empty", "write a JSON object, e.g. {}");
            return null;
        }

        try
        {
            return JsonDocument.Parse(content, new JsonDocumentOptions
            {
                MaxDepth = ConfigLimits.MaxDepth,
                CommentHandling = JsonCommentHandling.Disallow,
                AllowTrailingCommas = false,
            });
        }
        catch (JsonException ex)
        {
            long line = (ex.LineNumber ?? 0) + 1;
            long column = (ex.BytePositionInLine ?? 0) + 1;
            string message = ex.Message;
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }

            bool tooDeep = message.Contains("maximum configured depth", StringComparison.Ordinal);
            problem = new ConfigProblem(JsonPath.Root, $"malformed JSON at line {line}, column {column}: {message.TrimEnd('.', ' ')}",
                tooDeep
                    ? $"config objects nest at most {ConfigLimits.MaxDepth} levels; a group's values are plain numbers, strings and booleans"
                    : "look for a missing comma, quote or brace at or just before that spot; comments and trailing commas are not allowed");
            return null;
        }
    }

    private static LegacyConfigDocument ReadLegacy(JsonElement root, string location)
    {
        var problems = new List<ConfigProblem>();
        var groups = new Dictionary<string, GroupConfigSource>(StringComparer.Ordinal);
        GroupConfigSource global = GroupConfigSource.Empty(GlobalSource(location)) with { IsSupplementary = true };
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem(JsonPath.Root, "must be an object with system, global and groups", "see config/examples/service_config.json"));
            return new LegacyConfigDocument(location, groups, global, problems);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            string path = JsonPath.Child(JsonPath.Root, property.Name);
            if (!seen.Add(property.Name))
            {
                problems.Add(new ConfigProblem(path, "duplicate key", "keep one; JSON readers disagree on which copy wins"));
                continue;
            }

            switch (property.Name)
            {
                case GroupConfigKeys.SchemaKey:
                    break;
                case "system":
                    if (RequireObject(property.Value, path, problems))
                    {
                        LegacyBlockReader.ReadSystem(property.Value, path, problems);
                    }

                    break;
                case "global":
                    if (RequireObject(property.Value, path, problems))
                    {
                        global = LegacyBlockReader.ReadGlobal(property.Value, path, GlobalSource(location));
                    }

                    break;
                case "groups":
                    if (RequireObject(property.Value, path, problems))
                    {
                        ReadGroups(property.Value, path, location, groups, problems);
                    }

                    break;
                default:
                    string? near = LegacyRootKeys.FirstOrDefault(k => GroupConfigKeys.EditDistance(k, property.Name.ToLowerInvariant()) <= 2);
                    problems.Add(new ConfigProblem(path, "unknown key, ignored", near is null ? "the file has system, global and groups" : $"did you mean \"{near}\"?", ConfigSeverity.Warning));
                    break;
            }
        }

        return new LegacyConfigDocument(location, groups, global, problems);
    }

    private static void ReadGroups(JsonElement element, string path, string location, Dictionary<string, GroupConfigSource> groups, List<ConfigProblem> problems)
    {
        foreach (JsonProperty group in element.EnumerateObject())
        {
            string groupPath = JsonPath.Child(path, group.Name);
            if (group.Name.Length is 0 or > 255)
            {
                problems.Add(new ConfigProblem(groupPath, "is not an Auto Scaling group name", "group names have 1 to 255 characters"));
                continue;
            }

            if (groups.ContainsKey(group.Name))
            {
                problems.Add(new ConfigProblem(groupPath, "duplicate group", "merge the two entries into one"));
                continue;
            }

            var source = new ConfigSource(ConfigSourceKind.LegacyFile, $"{location} {groupPath}");
            groups[group.Name] = GroupConfigReader.ReadObject(group.Value, groupPath, source, isFileRoot: false);
        }
    }

    private static bool RequireObject(JsonElement element, string path, List<ConfigProblem> problems)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        problems.Add(new ConfigProblem(path, "must be an object", "write { ... }"));
        return false;
    }

    private static ConfigSource GlobalSource(string location) => new(ConfigSourceKind.LegacyFile, $"{location} $.global");
}
