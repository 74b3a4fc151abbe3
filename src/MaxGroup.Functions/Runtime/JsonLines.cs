using System.Text.Encodings.Web;
using System.Text.Json;

namespace MaxGroup.Functions.Runtime;

/// <summary>Writer settings for log, metric and response JSON.</summary>
public static class JsonLines
{
    /// <summary>
    /// Relaxed escaping keeps quotes and non-ASCII text readable in CloudWatch (the default encoder writes \u0022).
    /// Safe here: these documents are never embedded in HTML.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
