using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Signing;

/// <summary>
/// Turns an AWS error answer into a <see cref="RemoteApiException"/>: the code from the X-Amzn-ErrorType header, an
/// XML body (Query protocol: ErrorResponse/Error/Code) or a JSON body (REST-JSON: __type, code); when the body is none
/// of these (emulators answer HTML 500s) the code is "Http" plus the status, so nothing is assumed about the body.
/// </summary>
public static class AwsErrorParser
{
    private const int MaxMessageLength = 300;

    public static RemoteApiException Parse(string service, string operation, int statusCode, ReadOnlySpan<byte> body, string? errorTypeHeader)
    {
        string? code = CodeFromHeader(errorTypeHeader);
        string? message = null;
        ReadOnlySpan<byte> trimmed = body.TrimStart(" \t\r\n"u8);
        if (!trimmed.IsEmpty && trimmed[0] == (byte)'<')
        {
            (string? xmlCode, string? xmlMessage) = FromXml(trimmed);
            code ??= xmlCode;
            message = xmlMessage;
        }
        else if (!trimmed.IsEmpty && trimmed[0] == (byte)'{')
        {
            (string? jsonCode, string? jsonMessage) = FromJson(trimmed);
            code ??= jsonCode;
            message = jsonMessage;
        }

        code ??= "Http" + statusCode.ToString(CultureInfo.InvariantCulture);
        message ??= Snippet(trimmed, statusCode);
        string prefix = string.IsNullOrEmpty(operation) ? "" : operation + ": ";
        return new RemoteApiException(service, code, prefix + message, statusCode);
    }

    private static string? CodeFromHeader(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        // "ResourceNotFoundException:http://internal.amazon.com/coral/..." → the part before the colon.
        int colon = header.IndexOf(':', StringComparison.Ordinal);
        string code = (colon < 0 ? header : header[..colon]).Trim();
        return code.Length == 0 ? null : code;
    }

    private static (string? Code, string? Message) FromXml(ReadOnlySpan<byte> body)
    {
        try
        {
            using var stream = new MemoryStream(body.ToArray());
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
            XDocument document = XDocument.Load(reader);
            XElement? error = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error") ?? document.Root;
            string? code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value.Trim();
            string? message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value.Trim();
            return (string.IsNullOrEmpty(code) ? null : code, string.IsNullOrEmpty(message) ? null : message);
        }
        catch (XmlException)
        {
            return (null, null);
        }
    }

    private static (string? Code, string? Message) FromJson(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            string? code = null;
            string? message = null;
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                if (property.NameEquals("__type") || property.Name.Equals("code", StringComparison.OrdinalIgnoreCase))
                {
                    code ??= CleanJsonType(property.Value.GetString());
                }
                else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase))
                {
                    message ??= property.Value.GetString();
                }
            }

            return (code, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    // "com.amazonaws.lambda#ResourceNotFoundException" or "ResourceNotFoundException:http://..." → the bare code.
    private static string? CleanJsonType(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return null;
        }

        int hash = type.LastIndexOf('#');
        string code = hash < 0 ? type : type[(hash + 1)..];
        int colon = code.IndexOf(':', StringComparison.Ordinal);
        code = (colon < 0 ? code : code[..colon]).Trim();
        return code.Length == 0 ? null : code;
    }

    private static string Snippet(ReadOnlySpan<byte> body, int statusCode)
    {
        if (body.IsEmpty)
        {
            return $"HTTP {statusCode.ToString(CultureInfo.InvariantCulture)} with an empty body";
        }

        string text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 2048)]);
        var builder = new StringBuilder(MaxMessageLength);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
            if (builder.Length >= MaxMessageLength)
            {
                break;
            }
        }

        return $"HTTP {statusCode.ToString(CultureInfo.InvariantCulture)}: {builder}";
    }
}
