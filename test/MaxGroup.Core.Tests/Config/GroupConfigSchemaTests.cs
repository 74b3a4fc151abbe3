using System.Text.Json;

namespace MaxGroup.Core.Tests.Configuration;

/// <summary>Keeps config/*.schema.json and the validator's key table in agreement, and the examples valid.</summary>
public class GroupConfigSchemaTests
{
    private const string TagDefaultKeyword = "x-spotmax-tag-default";

    private static readonly string ConfigDirectory = Path.Combine(FindRepositoryRoot(), "config");

    [Fact]
    public void GroupSchema_EveryKnownKey_HasPropertyWithSameTypeLimitsEnumAndDefault()
    {
        using JsonDocument schema = Load("maxgroup-group.schema.json");
        JsonElement properties = schema.RootElement.GetProperty("properties");

        foreach (ConfigKey key in GroupConfigKeys.All)
        {
            Assert.True(properties.TryGetProperty(key.Name, out JsonElement property), $"{key.Name} is missing from the schema");
            AssertSameShape(key, property);
            if (key.IsOptional)
            {
                Assert.False(property.TryGetProperty("default", out _), $"{key.Name} is unset by default; the schema must not give a default");
            }
            else
            {
                Assert.True(property.TryGetProperty("default", out JsonElement schemaDefault), $"{key.Name} has no default in the schema");
                Assert.Equal(key.Read(new GroupConfig())!.Value.ToString(), Canonical(schemaDefault, key));
                string tagDefault = key.Read(ConfigGenerationDefaults.For(ConfigGeneration.SpotmaxTags))!.Value.ToString();
                if (tagDefault == schemaDefault.ToString() || tagDefault == Canonical(schemaDefault, key))
                {
                    Assert.False(property.TryGetProperty(TagDefaultKeyword, out _), $"{key.Name}: the tag generation's default is the same; the schema must not give another");
                }
                else
                {
                    Assert.True(property.TryGetProperty(TagDefaultKeyword, out JsonElement schemaTagDefault), $"{key.Name} has no {TagDefaultKeyword} in the schema");
                    Assert.Equal(tagDefault, Canonical(schemaTagDefault, key));
                }
            }
        }
    }

    [Fact]
    public void GroupSchema_EveryRecognisedKey_IsDescribedWithTheSentenceTheValidatorReports()
    {
        using JsonDocument schema = Load("maxgroup-group.schema.json");
        JsonElement properties = schema.RootElement.GetProperty("properties");

        foreach ((string name, string what) in RecognisedKeys.All)
        {
            Assert.True(properties.TryGetProperty(name, out JsonElement property), $"{name} is missing from the schema");
            Assert.Equal(RecognisedKeys.MessagePrefix + what, property.GetProperty("description").GetString());
            Assert.True(property.GetProperty("deprecated").GetBoolean());
            Assert.False(property.TryGetProperty("type", out _), $"{name}: any value is accepted, so the schema must not type it");
        }
    }

    [Fact]
    public void GroupSchema_EveryProperty_IsKnownToTheValidator()
    {
        using JsonDocument schema = Load("maxgroup-group.schema.json");

        foreach (JsonProperty property in schema.RootElement.GetProperty("properties").EnumerateObject())
        {
            if (property.Name == GroupConfigKeys.SchemaKey || RecognisedKeys.All.ContainsKey(property.Name))
            {
                continue;
            }

            ConfigKey? key = GroupConfigKeys.Find(property.Name);
            Assert.True(key is not null, $"schema property {property.Name} is unknown to the validator");
            AssertSameShape(key, property.Value);
        }

        Assert.False(schema.RootElement.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void GroupSchema_AlternativesAndDevices_UseTheValidatorsPatterns()
    {
        using JsonDocument schema = Load("maxgroup-group.schema.json");
        JsonElement root = schema.RootElement;

        JsonProperty alternative = Assert.Single(root.GetProperty("patternProperties").EnumerateObject());
        Assert.Equal(GroupConfigKeys.AlternativeKeyPattern, alternative.Name);
        Assert.Equal(GroupConfigKeys.InstanceTypePattern, alternative.Value.GetProperty("pattern").GetString());
        foreach (string device in (string[])["persistence_dev", "persistence_attach_as"])
        {
            Assert.Equal(GroupConfigKeys.DevicePattern, root.GetProperty("properties").GetProperty(device).GetProperty("pattern").GetString());
        }
    }

    [Fact]
    public void GroupSchema_KeysInsideTheReclaimWindow_SayHowTheyInteractWithIt()
    {
        using JsonDocument schema = Load("maxgroup-group.schema.json");
        JsonElement properties = schema.RootElement.GetProperty("properties");

        IEnumerable<string> windowKeys = GroupConfigKeys.All.Where(k => k.IsReclaimWindowDelay).Select(k => k.Name)
            .Append(GroupConfigKeys.SeedDetachingDelayAlias).Append("k8s_node_drain_grace_second");
        foreach (string name in windowKeys)
        {
            string description = properties.GetProperty(name).GetProperty("description").GetString()!;
            Assert.True(description.Contains("120 s", StringComparison.Ordinal), $"{name}'s description does not mention the 120 s window");
        }
    }

    [Fact]
    public void LegacySchema_ReferencesGroupSchemaAndDescribesGlobalInterval()
    {
        using JsonDocument schema = Load("service_config.schema.json");
        JsonElement properties = schema.RootElement.GetProperty("properties");

        Assert.Equal("maxgroup-group.schema.json", properties.GetProperty("groups").GetProperty("additionalProperties").GetProperty("$ref").GetString());
        JsonElement interval = properties.GetProperty("global").GetProperty("properties").GetProperty(GroupConfigKeys.PreactionSnapshotIntervalKey);
        AssertSameShape(GroupConfigKeys.PreactionSnapshotInterval, interval);
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public void WebSpotExample_Validates_WithoutErrorsOrWarnings()
    {
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(File.ReadAllBytes(Path.Combine(ConfigDirectory, "examples/web-spot.json")), "web-spot.json");

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void SeedLegacyExample_Validates_WithOnlyTheWarningThatTheDrainNeedsItsCluster()
    {
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(File.ReadAllBytes(Path.Combine(ConfigDirectory, "examples/service_config.json")), "service_config.json");

        ConfigProblem problem = Assert.Single(problems);
        Assert.Equal(("$.groups.YOUR-ASG-NAME.k8s_node_drain_option", ConfigSeverity.Warning), (problem.Path, problem.Severity));
        Assert.Contains("k8s_cluster_name", problem.Message, StringComparison.Ordinal);
        Assert.Contains("YOUR-ASG-NAME.kubeconfig", problem.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void WebSpotExample_ShowsEveryFeature()
    {
        byte[] content = File.ReadAllBytes(Path.Combine(ConfigDirectory, "examples/web-spot.json"));

        GroupConfigSource source = ConfigDocumentParser.ParseGroupFile(content, new ConfigSource(ConfigSourceKind.GroupFile, "web-spot.json"));
        GroupConfig config = GroupConfigMerger.Build("web-spot", source.Entries);

        Assert.All(GroupConfigKeys.All, k => Assert.True(source.Entries.ContainsKey(k.Name), $"the example does not show {k.Name}"));
        Assert.True(config.AlternativeInstanceTypes.Count >= 2);
        Assert.True(config.HasVolumeStep && config.HasDrainStep && config.HasConsulStep);
        Assert.Equal(ReplacementStrategy.Launch, config.EffectiveStrategy);
    }

    [Fact]
    public void LegacyExample_IsTheSeedFile_WithAllThreeFeatures()
    {
        byte[] content = File.ReadAllBytes(Path.Combine(ConfigDirectory, "examples/service_config.json"));

        LegacyConfigDocument document = ConfigDocumentParser.ParseLegacyFile(content, "service_config.json");
        GroupConfig config = GroupConfigMerger.Build("YOUR-ASG-NAME", document.Groups["YOUR-ASG-NAME"].Entries);

        Assert.Equal(20, config.DetachingDelaySeconds);
        Assert.Equal(2, config.MaxNumOfTerminatedOneTime);
        Assert.Equal(5, config.PreactionDetachDelaySeconds);
        Assert.Equal("/dev/sdf", config.PersistenceDev);
        Assert.True(config.K8sNodeDrainOption);
        Assert.Equal(8500, config.ConsulPort);
    }

    private static void AssertSameShape(ConfigKey key, JsonElement property)
    {
        JsonElement type = property.GetProperty("type");
        string[] types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
        Assert.True(key.SchemaTypes.SequenceEqual(types), $"{key.Name}: schema type [{string.Join(',', types)}], validator [{string.Join(',', key.SchemaTypes)}]");
        if (key.Type is ConfigKeyType.Integer or ConfigKeyType.Port)
        {
            Assert.True(key.Minimum == property.GetProperty("minimum").GetInt64(), $"{key.Name}: minimum differs");
            Assert.True(key.Maximum == property.GetProperty("maximum").GetInt64(), $"{key.Name}: maximum differs");
        }

        if (key.Type == ConfigKeyType.Enum)
        {
            Assert.Equal(key.AllowedValues, property.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!));
        }
        else
        {
            Assert.False(property.TryGetProperty("enum", out _), $"{key.Name}: the schema has an enum the validator does not");
        }
    }

    private static string Canonical(JsonElement value, ConfigKey key) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => key.Type == ConfigKeyType.Port ? value.GetString()! : "\"" + value.GetString() + "\"",
    };

    private static JsonDocument Load(string file) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(ConfigDirectory, file)));

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MaxGroup.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("MaxGroup.sln not found above " + AppContext.BaseDirectory);
    }
}
