using System.Collections;

namespace MaxGroup.Functions.Runtime;

/// <summary>
/// The logging scope of one invocation: the Powertools keys every log line written during it carries
/// (function_request_id, xray_trace_id, cold_start).
/// </summary>
public sealed class InvocationLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string RequestIdKey = "function_request_id";
    public const string TraceIdKey = "xray_trace_id";
    public const string ColdStartKey = "cold_start";

    private readonly KeyValuePair<string, object?>[] _items;

    public InvocationLogScope(ILambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _items =
        [
            new(RequestIdKey, context.AwsRequestId),
            new(TraceIdKey, XRayTraceId(context.TraceId)),
            new(ColdStartKey, context.IsColdStart),
        ];
    }

    public int Count => _items.Length;

    public KeyValuePair<string, object?> this[int index] => _items[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{RequestIdKey}={_items[0].Value}";

    /// <summary>The Root=1-... id out of the trace header "Root=1-...;Parent=...;Sampled=1", as Powertools logs it.</summary>
    public static string? XRayTraceId(string header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        foreach (string part in header.Split(';'))
        {
            string trimmed = part.Trim();
            if (trimmed.StartsWith("Root=", StringComparison.Ordinal))
            {
                return trimmed["Root=".Length..];
            }
        }

        return header;
    }
}
