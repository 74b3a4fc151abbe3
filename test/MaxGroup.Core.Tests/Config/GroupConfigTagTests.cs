namespace MaxGroup.Core.Tests.Configuration;

public class GroupConfigTagTests
{
    public static TheoryData<string, string, string, string> ParsedTags => new()
    {
        { "consul_port", "8500", "consul_port", "8500" },
        { "consul_port", " 8600 ", "consul_port", "8600" },
        { "k8s_node_drain_option", "True", "k8s_node_drain_option", "true" },
        { "dry_run", "1", "dry_run", "true" },
        { "enabled", "FALSE", "enabled", "false" },
        { "dettaching_delay_seconds", "25", "detaching_delay_seconds", "25" },
        { "persistence_dev", "/dev/sdf", "persistence_dev", "\"/dev/sdf\"" },
        { "alt3", "m5.large", "alt3", "\"m5.large\"" },
        { "k8s_node_after_termination", "delete", "k8s_node_after_termination", "\"delete\"" },
    };

    [Theory]
    [MemberData(nameof(ParsedTags))]
    public void ReadTags_ValidValue_IsParsedToTheKeysType(string tagKey, string tagValue, string key, string expected)
    {
        GroupConfigSource source = GroupConfigReader.ReadTags([new AsgTag("spotmax:" + tagKey, tagValue, false)], "web");

        Assert.Empty(source.Problems);
        ConfigEntry entry = source.Entries[key];
        Assert.Equal(expected, entry.Value.ToString());
        Assert.Equal(ConfigSourceKind.Tag, entry.Source.Kind);
        Assert.Equal("tag spotmax:" + tagKey, entry.Source.Location);
    }

    public static TheoryData<string, string, string, ConfigSeverity> BadTags => new()
    {
        { "detaching_delay_seconds", "abc", "\"abc\" is not a whole number", ConfigSeverity.Error },
        { "detaching_delay_seconds", "150", "cannot fit before reclaim", ConfigSeverity.Error },
        { "is_enable_od_fallback", "yes", "\"yes\" is not true or false", ConfigSeverity.Error },
        { "consul_port", "http", "is not a port number", ConfigSeverity.Error },
        { "persistence_dev", "/dev/sda1", "not an EBS data volume device name", ConfigSeverity.Error },
        { "k8s_node_after_termination", "drain", "\"drain\" is not one of \"taint\", \"delete\", \"none\"", ConfigSeverity.Error },
        { "persistance_dev", "/dev/sdf", "unknown key", ConfigSeverity.Error },
        { "owner", "team-a", "unknown spotmax key, ignored", ConfigSeverity.Warning },
    };

    [Theory]
    [MemberData(nameof(BadTags))]
    public void ReadTags_BadTag_IsReportedAtTheTag(string tagKey, string tagValue, string message, ConfigSeverity severity)
    {
        GroupConfigSource source = GroupConfigReader.ReadTags([new AsgTag("spotmax:" + tagKey, tagValue, false)], "web");

        ConfigProblem problem = Assert.Single(source.Problems);
        Assert.Equal("tag spotmax:" + tagKey, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal(severity, problem.Severity);
        Assert.Empty(source.Entries);
    }

    [Fact]
    public void ReadTags_OtherTagsAndGroupNameTag_AreNotSettings()
    {
        GroupConfigSource source = GroupConfigReader.ReadTags(
            [new AsgTag("Name", "web", true), new AsgTag("spotmax:group", "web", true), new AsgTag("aws:autoscaling:groupName", "web", true)], "web");

        Assert.Empty(source.Entries);
        Assert.Empty(source.Problems);
    }

    [Fact]
    public void ReadTags_BothSpellingsWithDifferentValues_IsAnError()
    {
        GroupConfigSource source = GroupConfigReader.ReadTags(
            [new AsgTag("spotmax:detaching_delay_seconds", "30", false), new AsgTag("spotmax:dettaching_delay_seconds", "20", false)], "web");

        ConfigProblem problem = Assert.Single(source.Problems);
        Assert.True(problem.IsError);
        Assert.Contains("both spellings", problem.Message, StringComparison.Ordinal);
        Assert.Empty(source.Entries);
    }
}
