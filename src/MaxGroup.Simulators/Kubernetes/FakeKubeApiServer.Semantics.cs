using System.Globalization;
using System.Text.Json.Nodes;

namespace MaxGroup.Simulators.Kubernetes;

/// <summary>API semantics shared by the handlers: JSON merge patch, field and label selectors, resource versions and timestamps.</summary>
public sealed partial class FakeKubeApiServer
{
    /// <summary>RFC 7386 JSON merge patch.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        JsonObject result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach ((string name, JsonNode? value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                JsonNode? merged = MergePatch(result[name], value);
                result.Remove(name);
                result[name] = merged;
            }
        }

        return result;
    }

    private static Func<JsonObject, bool> FieldFilter(string? selector, string resource, Func<JsonObject, string, string?> field)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return _ => true;
        }

        var terms = new List<(string Field, string Value, bool Equal)>();
        foreach (string term in selector.Split(','))
        {
            bool notEqual = term.Contains("!=", StringComparison.Ordinal);
            string[] parts = term.Split(notEqual ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2)
            {
                throw new BadRequestException($"invalid selector: '{selector}'; can't understand '{term}'");
            }

            terms.Add((parts[0], parts[1], !notEqual));
        }

        // Validate the field names now, as the API server does, even when no object would be tested.
        var probe = new JsonObject();
        foreach ((string name, _, _) in terms)
        {
            _ = field(probe, name);
        }

        _ = resource;
        return obj => terms.All(t => (field(obj, t.Field) == t.Value) == t.Equal);
    }

    private static Func<JsonObject, bool> LabelFilter(string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return _ => true;
        }

        var tests = new List<Func<JsonObject, bool>>();
        foreach (string term in selector.Split(','))
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                string[] parts = term.Split("!=", 2);
                tests.Add(o => Label(o, parts[0]) != parts[1]);
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                string[] parts = term.Split(term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
                tests.Add(o => Label(o, parts[0]) == parts[1]);
            }
            else if (term.StartsWith('!'))
            {
                tests.Add(o => Label(o, term[1..]) is null);
            }
            else
            {
                tests.Add(o => Label(o, term) is not null);
            }
        }

        return o => tests.All(t => t(o));
    }

    private static string? Label(JsonObject obj, string key) => obj["metadata"]?["labels"]?[key]?.GetValue<string>();

    private string NextVersion() => Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);

    private string CurrentVersion() => Interlocked.Read(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
