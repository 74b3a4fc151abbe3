using System.Text.Json.Nodes;
using CsCheck;

namespace MaxGroup.Core.Tests.Configuration;

/// <summary>
/// Whatever bytes arrive from S3, validation returns problems and never throws; and a config without errors always
/// builds into a <see cref="GroupConfig"/>. Seeds are fixed so a failure reproduces.
/// </summary>
public sealed class ConfigParserFuzzTests
{
    private const long Iterations = 2000;

    private static readonly string[] Samples =
    [
        """{"system": {}, "global": {}, "groups": {"web": {"dettaching_delay_seconds": 20, "persistence_dev": "/dev/sdf", "k8s_node_drain_option": true, "consul_port": "8500"}}}""",
        """{"detaching_delay_seconds": 85, "alt1": "m5.large", "consul_port": 8500, "sd_delay_detach_secs": 30, "persistence_dev": "/dev/sdf", "persistence_cross_az": "wait"}""",
    ];

    private static readonly JsonNode?[] HostileValues =
    [
        null, JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(119), JsonValue.Create(120), JsonValue.Create(long.MaxValue),
        JsonValue.Create(1.5), JsonValue.Create(true), JsonValue.Create("8500"), JsonValue.Create(""), JsonValue.Create("/dev/xvdz"),
        JsonValue.Create("m5.large"), JsonValue.Create("auto"), JsonValue.Create("{private_ip}:{port}"), JsonValue.Create("https://x"),
    ];

    [Fact]
    public void Validate_MutatedSamples_NeverThrowsAndEveryProblemHasAPath()
    {
        Gen<string> mutated =
            from sample in Gen.Int[0, Samples.Length - 1].Select(i => Samples[i])
            from position in Gen.Int[0, 400]
            from length in Gen.Int[0, 12]
            from insert in Gen.String[0, 6]
            select Splice(sample, position, length, insert);

        mutated.Sample(json =>
        {
            IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json");
            Assert.All(problems, p => Assert.True(p.Path.StartsWith('$') && p.Message.Length > 0, p.ToString()));
        }, iter: Iterations, seed: "0N0XIzNsQ0C1");
    }

    [Fact]
    public void Validate_RandomKeysAndValues_ValidConfigsAlwaysBuild()
    {
        string[] names = [.. GroupConfigKeys.All.Select(k => k.Name), GroupConfigKeys.SeedDetachingDelayAlias, "alt1", "alt12"];
        Gen<string> objects =
            from count in Gen.Int[0, 6]
            from pairs in Gen.Select(Gen.Int[0, names.Length - 1], Gen.Int[0, HostileValues.Length - 1]).Array[count]
            select Build(pairs.Select(p => (names[p.Item1], HostileValues[p.Item2])));

        objects.Sample(json =>
        {
            GroupConfigSource source = ConfigDocumentParser.ParseGroupFile(Encoding.UTF8.GetBytes(json), new ConfigSource(ConfigSourceKind.GroupFile, "web.json"));
            EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [source]);
            if (!effective.HasErrors)
            {
                Assert.Equal("web", effective.Config.GroupName);
                Assert.InRange(effective.Config.DetachingDelaySeconds, 0, 119);
            }
        }, iter: Iterations, seed: "0N0XIzNsQ0C2");
    }

    private static string Build(IEnumerable<(string Name, JsonNode? Value)> pairs)
    {
        // Written by hand so duplicate keys survive into the text, as they can in a real file.
        var text = new StringBuilder("{");
        foreach ((string name, JsonNode? value) in pairs)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }

            text.Append('"').Append(name).Append("\":").Append(value?.ToJsonString() ?? "null");
        }

        return text.Append('}').ToString();
    }

    private static string Splice(string sample, int position, int length, string insert)
    {
        position = Math.Min(position, sample.Length);
        length = Math.Min(length, sample.Length - position);
        return string.Concat(sample.AsSpan(0, position), insert, sample.AsSpan(position + length));
    }
}
