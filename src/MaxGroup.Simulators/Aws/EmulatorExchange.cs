using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Simulators.Aws;

/// <summary>One request passing through a proxy in front of the emulator, as an <see cref="IEmulatorSemantics"/> sees it.</summary>
public sealed class EmulatorExchange
{
    private Dictionary<string, string>? _form;

    public EmulatorExchange(string service, string action, byte[] body)
    {
        Service = service;
        Action = action;
        Body = body;
    }

    /// <summary>The request's SigV4 service name (ec2, elasticloadbalancing, autoscaling...).</summary>
    public string Service { get; }

    /// <summary>The Query `Action` or the JSON `X-Amz-Target` operation; "" when neither.</summary>
    public string Action { get; }

    /// <summary>What is forwarded; a semantics may replace it (the form without some overrides, say).</summary>
    public byte[] Body { get; set; }

    /// <summary>What a semantics keeps between <see cref="IEmulatorSemantics.Before"/> and <see cref="IEmulatorSemantics.After"/> of this request.</summary>
    public Dictionary<string, object> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>The exchange of <paramref name="request"/> with its read <paramref name="body"/>.</summary>
    public static EmulatorExchange Of(HttpRequest request, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new EmulatorExchange(LoopbackProxy.ServiceOf(request), ActionOf(request, body), body);
    }

    /// <summary>The Query protocol's form, decoded (as the request came, whatever a semantics forwards).</summary>
    public IReadOnlyDictionary<string, string> Form => _form ??= ParseForm(Body);

    /// <summary>One form value, or null.</summary>
    public string? Value(string name) => Form.GetValueOrDefault(name);

    /// <summary>The form's ordered pairs (repeated keys kept), for rebuilding a request.</summary>
    public static List<(string Key, string Value)> Pairs(byte[] body) =>
        Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (WebUtility.UrlDecode(p[0]), p.Length > 1 ? WebUtility.UrlDecode(p[1]) : ""))
            .ToList();

    /// <summary>The pairs as a form body.</summary>
    public static byte[] FormBody(IEnumerable<(string Key, string Value)> pairs) =>
        Encoding.UTF8.GetBytes(string.Join('&', pairs.Select(p => $"{WebUtility.UrlEncode(p.Key)}={WebUtility.UrlEncode(p.Value)}")));

    private static string ActionOf(HttpRequest request, byte[] body)
    {
        string target = request.Headers["X-Amz-Target"].ToString();
        if (target.Length > 0)
        {
            return target[(target.LastIndexOf('.') + 1)..];
        }

        if (request.Query["Action"].ToString() is { Length: > 0 } query)
        {
            return query;
        }

        // Only a Query-protocol form carries its action in the body; S3's objects are not parsed.
        bool form = request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;
        return form ? ParseForm(body).GetValueOrDefault("Action") ?? "" : "";
    }

    private static Dictionary<string, string> ParseForm(byte[] body)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in Pairs(body))
        {
            form.TryAdd(key, value);
        }

        return form;
    }
}
