namespace MaxGroup.Core.Tests.Configuration;

public class GroupConfigOptionsTests
{
    [Fact]
    public void FromEnvironment_OnlyBucket_UsesDocumentedDefaults()
    {
        GroupConfigOptions options = GroupConfigOptions.FromEnvironment(name => name == "MAXGROUP_CONFIG_BUCKET" ? "cfg" : null);

        Assert.Equal("cfg", options.Bucket);
        Assert.Equal("groups/web.json", options.GroupKey("web"));
        Assert.Equal("service_config.json", options.LegacyKey);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Ttl);
    }

    [Fact]
    public void FromEnvironment_AllSet_UsesThem()
    {
        var variables = new Dictionary<string, string>
        {
            ["MAXGROUP_CONFIG_BUCKET"] = "cfg",
            ["MAXGROUP_CONFIG_PREFIX"] = "",
            ["MAXGROUP_LEGACY_CONFIG_KEY"] = "legacy/service_config.json",
            ["MAXGROUP_CONFIG_TTL_SECONDS"] = "5",
        };

        GroupConfigOptions options = GroupConfigOptions.FromEnvironment(variables.GetValueOrDefault);

        Assert.Equal("web.json", options.GroupKey("web"));
        Assert.Equal("legacy/service_config.json", options.LegacyKey);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Ttl);
    }

    [Theory]
    [InlineData(null, null, "MAXGROUP_CONFIG_BUCKET is not set")]
    [InlineData("cfg", "-1", "MAXGROUP_CONFIG_TTL_SECONDS=-1")]
    [InlineData("cfg", "soon", "MAXGROUP_CONFIG_TTL_SECONDS=soon")]
    public void FromEnvironment_MissingOrWrong_ThrowsNamingTheVariable(string? bucket, string? ttl, string message)
    {
        var variables = new Dictionary<string, string?> { ["MAXGROUP_CONFIG_BUCKET"] = bucket, ["MAXGROUP_CONFIG_TTL_SECONDS"] = ttl };

        var ex = Assert.Throws<InvalidOperationException>(() => GroupConfigOptions.FromEnvironment(variables.GetValueOrDefault));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
