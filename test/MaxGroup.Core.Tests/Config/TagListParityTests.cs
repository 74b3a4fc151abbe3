namespace MaxGroup.Core.Tests.Configuration;

/// <summary>Every key of the later (2020-2023) spotmax:&lt;key&gt; tag list, as a tag and in a file: implemented, or one "recognised" warning.</summary>
public class TagListParityTests
{
    /// <summary>The documented list (docs/max_group.md), each key with a value of the documented kind.</summary>
    public static readonly (string Key, string Value)[] DocumentedTags =
    [
        ("persistence_dev", "/dev/sdf"), ("detaching_delay_seconds", "30"), ("consul_port", "8500"), ("max_num_of_terminated_one_time", "1"),
        ("preaction_termination_delay_seconds", "300"), ("preaction_detach_delay_seconds", "30"), ("is_enable_preaction", "true"),
        ("k8s_node_drain_grace_second", "300"), ("k8s_config_file_path", "/root/.kube/config"), ("is_enable_od_fallback", "true"),
        ("alt1", "m5.large"), ("alt2", "c5.large"), ("spot_price_limit", "0"), ("is_to_handle_rebalance_event", "false"),
        ("is_to_handle_scaling_failure", "true"), ("gurantee_living_mins", "0"), ("buffer_mins", "1"), ("ignore_tag", "false"),
        ("is_only_od_rep", "false"), ("od_least_live_mins", "15"), ("alt_least_live_mins", "15"), ("sd_delay_detach_secs", "30"),
        ("k8s_delay_draining_secs", "90"), ("preaction_k8s_delay_draining_secs", "240"), ("pod_delay_detaching_secs", "18"),
        ("warm_pool_start_up_duration_min", "1"), ("warm_pool_update_frequency_min", "60"), ("warm_pool_min_size", "0"),
        ("is_warm_pool_first", "false"), ("az_rebalance", "optimize"), ("is_prefer_multiple_types", "true"),
    ];

    [Fact]
    public void ReadTags_EveryDocumentedKey_ImplementedOrOneRecognisedWarningAndNoError()
    {
        GroupConfigSource source = GroupConfigReader.ReadTags(DocumentedTags.Select(t => new AsgTag("spotmax:" + t.Key, t.Value, false)), "web");

        AssertEachKeyImplementedOrRecognised(source, key => "tag spotmax:" + key);
    }

    [Fact]
    public void ReadObject_EveryDocumentedKeyInAFile_ImplementedOrOneRecognisedWarningAndNoError()
    {
        string json = "{" + string.Join(", ", DocumentedTags.Select(t => $"\"{t.Key}\": {AsJson(t.Value)}")) + "}";

        GroupConfigSource source = ConfigDocumentParser.ParseGroupFile(Encoding.UTF8.GetBytes(json), new ConfigSource(ConfigSourceKind.GroupFile, "web.json"));

        AssertEachKeyImplementedOrRecognised(source, key => "$." + key);
    }

    [Fact]
    public void Merge_EveryDocumentedTag_GroupIsUsableWithNoError()
    {
        GroupConfigSource tags = GroupConfigReader.ReadTags(DocumentedTags.Select(t => new AsgTag("spotmax:" + t.Key, t.Value, false)), "web");

        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [tags]);

        Assert.False(effective.HasErrors, string.Join('\n', effective.Problems));
        Assert.True(effective.Config.HasDrainStep);
        Assert.Equal(["m5.large", "c5.large"], effective.Config.AlternativeInstanceTypes);
    }

    [Theory]
    [InlineData("warm_pool_min_sise", "warm_pool_min_size")]
    [InlineData("persistance_dev", "persistence_dev")]
    [InlineData("is_prefer_multiple_type", "is_prefer_multiple_types")]
    [InlineData("k8s_config_filepath", "k8s_config_file_path")]
    public void ReadObject_UndocumentedKey_IsAnErrorSuggestingTheNearestKnownKey(string key, string suggestion)
    {
        GroupConfigSource source = ConfigDocumentParser.ParseGroupFile(Encoding.UTF8.GetBytes($"{{\"{key}\": 1}}"), new ConfigSource(ConfigSourceKind.GroupFile, "web.json"));

        ConfigProblem problem = Assert.Single(source.Problems);
        Assert.True(problem.IsError);
        Assert.Equal("unknown key", problem.Message);
        Assert.Equal($"did you mean \"{suggestion}\"?", problem.Hint);
    }

    private static void AssertEachKeyImplementedOrRecognised(GroupConfigSource source, Func<string, string> pathOf)
    {
        Assert.DoesNotContain(source.Problems, p => p.IsError);
        foreach ((string key, _) in DocumentedTags)
        {
            List<ConfigProblem> lines = source.Problems.Where(p => p.Path == pathOf(key)).ToList();
            if (RecognisedKeys.All.ContainsKey(key))
            {
                ConfigProblem line = Assert.Single(lines);
                Assert.StartsWith(RecognisedKeys.MessagePrefix, line.Message, StringComparison.Ordinal);
                Assert.False(source.Entries.ContainsKey(key));
            }
            else
            {
                Assert.True(source.Entries.ContainsKey(key), $"{key} is neither implemented nor recognised");
                Assert.Empty(lines);
            }
        }
    }

    private static string AsJson(string value) =>
        value is "true" or "false" || long.TryParse(value, out _) ? value : "\"" + value + "\"";
}
