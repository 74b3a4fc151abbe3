using System.Text.RegularExpressions;

namespace MaxGroup.Core.Config;

/// <summary>Builds JSONPath strings for problems: $.groups.web.persistence_dev, or $.groups['my group'] for odd names.</summary>
public static partial class JsonPath
{
    public const string Root = "$";

    public static string Child(string parent, string name) =>
        PlainNameRegex().IsMatch(name)
            ? parent + "." + name
            : parent + "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";

    [GeneratedRegex("^[A-Za-z_$][A-Za-z0-9_-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainNameRegex();
}
