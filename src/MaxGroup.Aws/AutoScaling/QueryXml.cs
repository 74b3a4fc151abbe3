using System.Globalization;
using System.Xml.Linq;

namespace MaxGroup.Aws.AutoScaling;

/// <summary>Namespace-agnostic reading of Query API answers: AWS XML carries a per-service default namespace.</summary>
internal static class QueryXml
{
    public static XElement? Child(this XElement element, string localName) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    public static string? Text(this XElement element, string localName)
    {
        string? value = element.Child(localName)?.Value.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    public static int? Int(this XElement element, string localName) =>
        int.TryParse(element.Text(localName), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    public static bool? Bool(this XElement element, string localName) =>
        element.Text(localName) switch
        {
            { } text when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            { } text when text.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            _ => null,
        };
}
