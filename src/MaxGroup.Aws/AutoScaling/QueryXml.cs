using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.AutoScaling;

/// <summary>Namespace-agnostic reading of Query API answers: AWS XML carries a per-service default namespace.</summary>
internal static class QueryXml
{
    /// <summary>The answer's root element (DTDs refused); an answer that is not XML is a <see cref="RemoteApiException"/> "MalformedResponse".</summary>
    public static XElement Parse(string service, string action, AwsResponse response)
    {
        try
        {
            using var stream = new MemoryStream(response.Body, writable: false);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XDocument.Load(reader).Root ?? throw new XmlException("empty document");
        }
        catch (XmlException ex)
        {
            throw new RemoteApiException(service, "MalformedResponse", $"{action}: the answer is not XML ({ex.Message})", response.StatusCode, ex);
        }
    }

    /// <summary>The members of a Query list element (`member` children); none for a missing list.</summary>
    public static IEnumerable<XElement> Members(this XElement? list) =>
        list?.Elements().Where(e => e.Name.LocalName == "member") ?? [];

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
