using System.Globalization;

namespace MaxGroup.Core.Config;

/// <summary>A typed value of one configuration key, already checked against the key's type.</summary>
public readonly record struct ConfigValue
{
    private ConfigValue(ConfigValueKind kind, long integer, bool boolean, string? text)
    {
        Kind = kind;
        Integer = integer;
        Boolean = boolean;
        Text = text;
    }

    public ConfigValueKind Kind { get; }

    public long Integer { get; }

    public bool Boolean { get; }

    public string? Text { get; }

    public static ConfigValue FromInteger(long value) => new(ConfigValueKind.Integer, value, false, null);

    public static ConfigValue FromBoolean(bool value) => new(ConfigValueKind.Boolean, 0, value, null);

    public static ConfigValue FromText(string value) => new(ConfigValueKind.Text, 0, false, value);

    /// <summary>The value as JSON would spell it: 20, true, "/dev/sdf".</summary>
    public override string ToString() => Kind switch
    {
        ConfigValueKind.Integer => Integer.ToString(CultureInfo.InvariantCulture),
        ConfigValueKind.Boolean => Boolean ? "true" : "false",
        _ => "\"" + Text + "\"",
    };
}

/// <summary>The shape of a <see cref="ConfigValue"/>.</summary>
public enum ConfigValueKind
{
    Integer,
    Boolean,
    Text,
}
