namespace MaxGroup.Core.Tests.Configuration;

/// <summary>Keys a user set that do nothing (or only part of what max_group did) for the effective strategy are warned about, never rejected.</summary>
public class InertKeyWarningTests
{
    private const string File = "s3://cfg/groups/web.json";

    /// <summary>A per-group file, the key path warned about, a piece of the message.</summary>
    public static TheoryData<string, string, string> Inert => new()
    {
        // auto without persistence_dev is detach: MaxGroup launches only when the group's own launch fails.
        { """{"alt1": "m5.large", "alt2": "c5.large"}""", "$.alt1", "alt1 \"m5.large\", alt2 \"c5.large\": replacement_strategy auto is detach for a group without persistence_dev" },
        { """{"alt1": "m5.large"}""", "$.alt1", "used only when that launch fails (MaxGroup's fall-through launch" },
        { """{"replacement_strategy": "detach", "is_enable_od_fallback": true}""", "$.is_enable_od_fallback", "replacement_strategy is detach, so the group launches the replacement from its own types and market" },
        { """{"is_enable_od_fallback": true}""", "$.is_enable_od_fallback", "Auto Scaling itself never falls back from Spot to On-Demand" },
        { """{"alt1": "m5.large", "is_prefer_multiple_types": false}""", "$.is_prefer_multiple_types", "is used only when that launch fails" },
        { """{"replacement_strategy": "detach", "is_only_od_rep": true}""", "$.is_only_od_rep", "the group's own replacement comes from its own market, Spot included" },

        // Inert whatever the strategy.
        { """{"persistence_dev": "/dev/sdf", "is_prefer_multiple_types": false}""", "$.is_prefer_multiple_types", "has no effect: no alt<N> key is set" },
        { """{"persistence_dev": "/dev/sdf", "alt1": "m5.large", "is_only_od_rep": true, "is_prefer_multiple_types": true}""", "$.is_prefer_multiple_types", "has no effect: is_only_od_rep: true launches On-Demand only" },
        { """{"persistence_dev": "/dev/sdf", "alt1": "m5.large", "is_enable_od_fallback": false, "is_prefer_multiple_types": false}""", "$.is_prefer_multiple_types", "has no effect: is_enable_od_fallback: false launches Spot only" },
        { """{"is_only_od_rep": true, "is_enable_od_fallback": false}""", "$.is_enable_od_fallback", "has no effect: is_only_od_rep: true (s3://cfg/groups/web.json $.is_only_od_rep) replaces with On-Demand only" },

        // The swap back to Spot.
        { """{"is_to_revert_to_spot": false, "od_least_live_mins": 30}""", "$.od_least_live_mins", "the swap back to Spot is off (is_to_revert_to_spot: false (s3://cfg/groups/web.json $.is_to_revert_to_spot))" },
        { """{"is_to_revert_to_spot": false, "alt_least_live_mins": 30}""", "$.alt_least_live_mins", "the swap back to Spot is off" },
        { """{"preaction_snapshot_interval_minutes": 0, "od_least_live_mins": 30}""", "$.od_least_live_mins", "preaction_snapshot_interval_minutes is 0 (s3://cfg/groups/web.json $.preaction_snapshot_interval_minutes), so no preaction run" },
        { """{"preaction_snapshot_interval_minutes": 0, "is_to_revert_to_spot": true}""", "$.is_to_revert_to_spot", "the swap back runs on the preaction schedule" },
        { """{"persistence_dev": "/dev/sdf", "is_only_od_rep": true, "od_least_live_mins": 30}""", "$.od_least_live_mins", "On-Demand successors are what the group asked for" },

        // Preaction's batch settings with preaction and the swap back both off.
        { """{"is_enable_preaction": false, "is_to_revert_to_spot": false, "max_num_of_terminated_one_time": 2}""", "$.max_num_of_terminated_one_time", "preaction is off (is_enable_preaction: false) and so is the swap back" },
        { """{"is_to_revert_to_spot": false, "preaction_termination_delay_seconds": 300}""", "$.preaction_termination_delay_seconds", "preaction is off" },
    };

    [Theory]
    [MemberData(nameof(Inert))]
    public void Merge_KeyInertForTheEffectiveConfig_WarnsNamingTheKeyAndItsFile(string json, string path, string message)
    {
        EffectiveGroupConfig effective = MergeFile(json);

        Assert.False(effective.HasErrors, string.Join('\n', effective.Problems));
        ConfigProblem problem = Assert.Single(effective.Problems, p => p.Path == path);
        Assert.Equal(ConfigSeverity.Warning, problem.Severity);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(File, problem.Location);
        Assert.StartsWith(File + " " + path + ": warning: ", problem.ToLocatedString(), StringComparison.Ordinal);
    }

    /// <summary>The same keys where they act: no warning.</summary>
    public static TheoryData<string> Effective => new()
    {
        """{"replacement_strategy": "launch", "alt1": "m5.large", "is_enable_od_fallback": true, "is_prefer_multiple_types": false}""",
        """{"persistence_dev": "/dev/sdf", "alt1": "m5.large", "is_enable_od_fallback": false}""",
        """{"is_only_od_rep": true, "alt1": "m5.large"}""",
        """{"od_least_live_mins": 30, "alt_least_live_mins": 45, "is_to_revert_to_spot": true, "preaction_snapshot_interval_minutes": 20}""",
        """{"is_enable_preaction": false, "max_num_of_terminated_one_time": 2, "preaction_detach_delay_seconds": 5}""",
        """{"is_enable_preaction": true, "is_to_revert_to_spot": false, "max_num_of_terminated_one_time": 2}""",
    };

    [Theory]
    [MemberData(nameof(Effective))]
    public void Merge_KeysThatActForTheEffectiveConfig_NoWarning(string json)
    {
        EffectiveGroupConfig effective = MergeFile(json);

        Assert.Empty(effective.Problems);
    }

    [Fact]
    public void Merge_InertTag_WarnsNamingTheTagOnce()
    {
        GroupConfigSource tags = GroupConfigReader.ReadTags(
            [new AsgTag("spotmax:is_to_revert_to_spot", "false", false), new AsgTag("spotmax:od_least_live_mins", "30", false)], "web");

        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [tags]);

        ConfigProblem problem = Assert.Single(effective.Problems);
        Assert.Equal("tag spotmax:od_least_live_mins", problem.Path);
        Assert.Null(problem.Location);
        Assert.Contains("(is_to_revert_to_spot: false (tag spotmax:is_to_revert_to_spot))", problem.Message, StringComparison.Ordinal);
        Assert.StartsWith("tag spotmax:od_least_live_mins: warning: has no effect", problem.ToLocatedString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_FileOverTags_WarningNamesTheSourceThatWon()
    {
        GroupConfigSource file = ConfigDocumentParser.ParseGroupFile(
            Encoding.UTF8.GetBytes("""{"alt1": "m6i.large"}"""), new ConfigSource(ConfigSourceKind.GroupFile, File));
        GroupConfigSource tags = GroupConfigReader.ReadTags([new AsgTag("spotmax:alt1", "m5.large", false), new AsgTag("spotmax:alt2", "c5.large", false)], "web");

        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [file, tags]);

        ConfigProblem problem = Assert.Single(effective.Problems);
        Assert.Equal("$.alt1", problem.Path);
        Assert.Equal(File, problem.Location);
        Assert.StartsWith("alt1 \"m6i.large\", alt2 \"c5.large\": ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LegacySeedFileWithIntervalZero_NoInertWarningForItsPreactionKeys()
    {
        // The documented file sets the batch and delays with a global interval of 0: the original accepted it as it is.
        const string Json = """
            {"system": {}, "global": {"preaction_snapshot_interval_minutes": 0},
             "groups": {"web": {"max_num_of_terminated_one_time": 2, "preaction_detach_delay_seconds": 5, "is_enable_preaction": false}}}
            """;

        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(Json), "service_config.json");

        Assert.DoesNotContain(problems, p => p.Message.Contains("has no effect", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.IsError);
    }

    private static EffectiveGroupConfig MergeFile(string json) =>
        GroupConfigMerger.Merge("web", [ConfigDocumentParser.ParseGroupFile(Encoding.UTF8.GetBytes(json), new ConfigSource(ConfigSourceKind.GroupFile, File))]);
}
