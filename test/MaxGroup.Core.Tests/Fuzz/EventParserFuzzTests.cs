using System.Text.Json.Nodes;
using CsCheck;

namespace MaxGroup.Core.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of the event parser: whatever arrives, it returns an event or throws an
/// <see cref="EventParseException"/> whose message names the place; never another exception.
/// Seeds are fixed so a failure reproduces; CsCheck prints the seed of a shrunk failure.
/// </summary>
public sealed class EventParserFuzzTests
{
    private const long Iterations = 3000;

    private static readonly string[] Samples = LoadSamples();

    private static readonly string[] KnownPaths =
    [
        "id", "detail-type", "source", "time", "resources", "detail", "detail.instance-id", "detail.instance-action",
        "detail.state", "detail.AutoScalingGroupName", "detail.EC2InstanceId", "detail.LifecycleHookName",
        "detail.LifecycleTransition", "event",
    ];

    [Fact]
    public void Parse_RandomText_OnlyParseErrors()
    {
        Gen.String[0, 400].Sample(AssertParsesOrExplains, iter: Iterations, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Parse_MutatedSampleBytes_OnlyParseErrors()
    {
        Gen<string> mutated =
            from sample in Gen.Int[0, Samples.Length - 1].Select(i => Samples[i])
            from position in Gen.Int[0, 10_000]
            from length in Gen.Int[0, 20]
            from insert in Gen.String[0, 8]
            select Splice(sample, position, length, insert);
        mutated.Sample(AssertParsesOrExplains, iter: Iterations, seed: "0N0XIzNsQ0O3");
    }

    [Fact]
    public void Parse_SampleWithFieldReplaced_ErrorNamesTheField()
    {
        Gen<JsonNode?> hostileValue = Gen.OneOf<JsonNode?>(
            Gen.Const(() => (JsonNode?)null),
            Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)),
            Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.String[0, 30].Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.Const(() => (JsonNode?)new JsonArray()),
            Gen.Const(() => (JsonNode?)new JsonObject()));

        Gen<(string Json, string Path)> replaced =
            from sample in Gen.Int[0, Samples.Length - 1].Select(i => Samples[i])
            from pathIndex in Gen.Int[0, 30]
            from remove in Gen.Bool
            from value in hostileValue
            select ReplaceField(sample, pathIndex, remove, value);

        replaced.Sample(
            c =>
            {
                try
                {
                    EventParser.Parse(c.Json);
                }
                catch (EventParseException ex)
                {
                    Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                    Assert.True(
                        KnownPaths.Any(p => ex.Message.StartsWith(p, StringComparison.Ordinal)) || ex.Message.Contains(c.Path, StringComparison.Ordinal),
                        $"error \"{ex.Message}\" names no field (changed {c.Path})");
                }
            },
            iter: Iterations,
            seed: "0N0XIzNsQ0O4");
    }

    private static void AssertParsesOrExplains(string json)
    {
        try
        {
            EventParser.Parse(json);
        }
        catch (EventParseException ex)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        }
    }

    private static string Splice(string text, int position, int length, string insert)
    {
        int start = position % (text.Length + 1);
        int count = Math.Min(length, text.Length - start);
        return string.Concat(text.AsSpan(0, start), insert, text.AsSpan(start + count));
    }

    private static (string Json, string Path) ReplaceField(string sample, int pathIndex, bool remove, JsonNode? value)
    {
        JsonObject root = JsonNode.Parse(sample)!.AsObject();
        var paths = new List<(JsonObject Parent, string Name, string Path)>();
        foreach (KeyValuePair<string, JsonNode?> property in root)
        {
            paths.Add((root, property.Key, property.Key));
        }

        if (root["detail"] is JsonObject detail)
        {
            foreach (KeyValuePair<string, JsonNode?> property in detail)
            {
                paths.Add((detail, property.Key, "detail." + property.Key));
            }
        }

        (JsonObject parent, string name, string path) = paths[pathIndex % paths.Count];
        if (remove)
        {
            parent.Remove(name);
        }
        else
        {
            parent[name] = value;
        }

        return (root.ToJsonString(), path);
    }

    private static string[] LoadSamples()
    {
        string dir = Path.Combine(RepositoryRoot(), "events");
        return Directory.GetFiles(dir, "*.json").Select(f => File.ReadAllText(f, Encoding.UTF8)).ToArray();
    }

    internal static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "MaxGroup.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("MaxGroup.sln not found above the test binaries");
    }
}
