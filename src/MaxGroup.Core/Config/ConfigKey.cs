using MaxGroup.Core.Model;

namespace MaxGroup.Core.Config;

/// <summary>
/// One key of a group config: its JSON type, its limits, how it lands in <see cref="GroupConfig"/> and how it is read
/// back. The table of these (<see cref="GroupConfigKeys"/>) drives parsing, validation, `config show` and the schema test.
/// </summary>
public sealed class ConfigKey
{
    public required string Name { get; init; }

    public required ConfigKeyType Type { get; init; }

    /// <summary>Inclusive bounds of an integer (or port) key.</summary>
    public long Minimum { get; init; }

    public long Maximum { get; init; } = int.MaxValue;

    /// <summary>True for a delay counted from the interruption warning: it must end before the 120 s reclaim.</summary>
    public bool IsReclaimWindowDelay { get; init; }

    /// <summary>The values of an enum key.</summary>
    public IReadOnlyList<string> AllowedValues { get; init; } = [];

    /// <summary>Checks a text value beyond its type; returns null when fine, else the problem and a hint.</summary>
    public Func<string, (string Message, string Hint)?>? CheckText { get; init; }

    /// <summary>A key whose absence means "off" rather than a default value (null in <see cref="GroupConfig"/>).</summary>
    public bool IsOptional { get; init; }

    public required Func<GroupConfig, ConfigValue, GroupConfig> Apply { get; init; }

    /// <summary>The key's value in a config, or null when it has none (an optional key that is not set).</summary>
    public required Func<GroupConfig, ConfigValue?> Read { get; init; }

    /// <summary>The JSON Schema `type` of the key: "integer", "boolean", "string", or both for consul_port.</summary>
    public IReadOnlyList<string> SchemaTypes => Type switch
    {
        ConfigKeyType.Boolean => ["boolean"],
        ConfigKeyType.Integer => ["integer"],
        ConfigKeyType.Port => ["integer", "string"],
        _ => ["string"],
    };

    /// <summary>What the value must be, in words, for messages.</summary>
    public string Expected => Type switch
    {
        ConfigKeyType.Boolean => "true or false",
        ConfigKeyType.Integer => "a whole number",
        ConfigKeyType.Port => "a port number (1-65535) or a string of one",
        ConfigKeyType.Enum => "one of " + string.Join(", ", AllowedValues.Select(v => "\"" + v + "\"")),
        _ => "a string",
    };
}

/// <summary>The type of a <see cref="ConfigKey"/>.</summary>
public enum ConfigKeyType
{
    Boolean,
    Integer,
    Text,
    Enum,
    /// <summary>A TCP port written as a number or, as the original max_group did, a string ("8500").</summary>
    Port,
}
