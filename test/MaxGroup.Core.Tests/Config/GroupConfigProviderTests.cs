using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Tests.Configuration;

public class GroupConfigProviderTests
{
    private const string GroupKey = "groups/web.json";
    private const string LegacyKey = "service_config.json";

    private readonly InMemoryConfigObjectStore _store = new();
    private readonly FakeAutoScaling _autoScaling = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger _logger = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly GroupConfigProvider _provider;

    public GroupConfigProviderTests()
    {
        _provider = new GroupConfigProvider(_store, _autoScaling, new GroupConfigOptions { Bucket = "cfg" }, _time, _logger, _metrics);
    }

    [Fact]
    public async Task GetAsync_ThreeSources_HigherSourceWinsKeyByKeyAndRecordsSources()
    {
        _store.Put(GroupKey, """{"detaching_delay_seconds": 30}""");
        _store.Put(LegacyKey, """{"global": {"preaction_snapshot_interval_minutes": 20}, "groups": {"web": {"dettaching_delay_seconds": 20, "consul_port": "8500", "alt2": "c5.large"}}}""");
        _autoScaling.Tag("web", "spotmax:consul_port", "9000");
        _autoScaling.Tag("web", "spotmax:dry_run", "true");
        _autoScaling.Tag("web", "spotmax:alt1", "m5.large");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        Assert.Equal(ConfigLookupReason.Managed, lookup.Reason);
        Assert.Equal(30, lookup.Config.DetachingDelaySeconds);
        Assert.Equal(8500, lookup.Config.ConsulPort);
        Assert.True(lookup.Config.DryRun);
        Assert.Equal(["m5.large", "c5.large"], lookup.Config.AlternativeInstanceTypes);
        Assert.Equal(20, lookup.Config.PreactionSnapshotIntervalMinutes);
        Assert.Equal(ConfigSourceKind.GroupFile, lookup.Sources["detaching_delay_seconds"].Kind);
        Assert.Equal("s3://cfg/groups/web.json", lookup.Sources["detaching_delay_seconds"].Location);
        Assert.Equal(ConfigSourceKind.LegacyFile, lookup.Sources["consul_port"].Kind);
        Assert.Equal("s3://cfg/service_config.json $.groups.web", lookup.Sources["consul_port"].Location);
        Assert.Equal("tag spotmax:dry_run", lookup.Sources["dry_run"].Location);
        Assert.Equal(ConfigSource.Default, lookup.Sources["persistence_attach_as"]);
        Assert.Equal(ConfigSourceKind.Tag, lookup.Entries["alt1"].Source.Kind);
        Assert.Equal(ConfigSourceKind.LegacyFile, lookup.Entries["alt2"].Source.Kind);
    }

    [Fact]
    public async Task GetAsync_NoSourceMentionsGroup_IsNotManaged()
    {
        _store.Put(LegacyKey, """{"groups": {"other": {}}}""");
        _autoScaling.Tag("web", "Name", "web");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Equal(ConfigLookupReason.NotConfigured, lookup.Reason);
    }

    [Fact]
    public async Task GetAsync_ManagedGroupWithoutOptInTag_WarnsNamingTheTagAndTheFixAndStillManages()
    {
        _store.Put(GroupKey, """{"detaching_delay_seconds": 30}""");
        _autoScaling.Tag("web", "Name", "web");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        ConfigProblem problem = Assert.Single(lookup.Problems);
        Assert.Equal(ConfigSeverity.Warning, problem.Severity);
        Assert.Equal("tag spotmax:managed", problem.Path);
        Assert.Contains("missing on the group", problem.Message, StringComparison.Ordinal);
        Assert.Contains("Key=spotmax:managed,Value=true", problem.Hint, StringComparison.Ordinal);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("tags of web tag spotmax:managed: warning: missing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("true", null)]
    [InlineData("True", "is \"True\", not \"true\"")]
    [InlineData("", "is \"\", not \"true\"")]
    public async Task GetAsync_OptInTag_IsNoSettingAndOnlyExactlyTrueSatisfiesIt(string value, string? expected)
    {
        _autoScaling.Tag("web", "spotmax:managed", value);
        _autoScaling.Tag("web", "spotmax:consul_port", "9000");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        Assert.DoesNotContain(lookup.Problems, p => p.Message.Contains("unknown", StringComparison.Ordinal));
        Assert.False(lookup.Entries.ContainsKey("managed"));
        if (expected is null)
        {
            Assert.Empty(lookup.Problems);
        }
        else
        {
            Assert.Contains(expected, Assert.Single(lookup.Problems).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetAsync_OptInTagAlone_DoesNotMakeTheGroupManaged()
    {
        _autoScaling.Tag("web", "spotmax:managed", "true");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Equal(ConfigLookupReason.NotConfigured, lookup.Reason);
        Assert.Empty(lookup.Problems);
    }

    [Fact]
    public async Task GetAsync_NoAutoScalingClient_NoOptInWarningForTagsNeverRead()
    {
        var provider = new GroupConfigProvider(_store, null, new GroupConfigOptions { Bucket = "cfg" }, _time, _logger, _metrics);
        _store.Put(GroupKey, """{}""");

        ConfigLookup lookup = await provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        Assert.Empty(lookup.Problems);
    }

    [Theory]
    [InlineData("""{}""", null, null, ConfigLookupReason.Managed)]
    [InlineData("""{"enabled": false}""", null, null, ConfigLookupReason.Disabled)]
    [InlineData(null, """{"groups": {"web": {"ignore_tag": true}}}""", null, ConfigLookupReason.Disabled)]
    [InlineData(null, null, "false", ConfigLookupReason.Disabled)]
    [InlineData("""{"enabled": true}""", null, "false", ConfigLookupReason.Managed)]
    [InlineData(null, """{"groups": {"web": {}}}""", null, ConfigLookupReason.Managed)]
    public async Task GetAsync_SwitchesInAnySource_DecideWhetherManaged(string? groupFile, string? legacy, string? enabledTag, ConfigLookupReason expected)
    {
        if (groupFile is not null)
        {
            _store.Put(GroupKey, groupFile);
        }

        if (legacy is not null)
        {
            _store.Put(LegacyKey, legacy);
        }

        if (enabledTag is not null)
        {
            _autoScaling.Tag("web", "spotmax:enabled", enabledTag);
        }

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.Equal(expected, lookup.Reason);
        Assert.Equal(expected == ConfigLookupReason.Managed, lookup.Managed);
    }

    [Fact]
    public async Task GetAsync_InvalidConfig_IsNeverActedOnAndIsLoggedWithAMetric()
    {
        _store.Put(GroupKey, """{"persistance_dev": "/dev/sdf", "consul_port": "8500"}""");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Equal(ConfigLookupReason.Invalid, lookup.Reason);
        Assert.Contains(lookup.Problems, p => p.Path == "$.persistance_dev" && p.Location == "s3://cfg/groups/web.json");
        (LogLevel level, string message) = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("s3://cfg/groups/web.json $.persistance_dev: unknown key (did you mean \"persistence_dev\"?)", message, StringComparison.Ordinal);
        Assert.Contains(_metrics.Records, r => r.Name == GroupConfigProvider.InvalidMetric && r.Dimensions!["Group"] == "web");
        Assert.Contains("has an invalid config", lookup.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_InvalidTagWhileFileValid_GroupIsInvalid()
    {
        _store.Put(GroupKey, """{"consul_port": 8500}""");
        _autoScaling.Tag("web", "spotmax:detaching_delay_seconds", "soon");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.Equal(ConfigLookupReason.Invalid, lookup.Reason);
    }

    [Fact]
    public async Task GetAsync_BrokenLegacyFile_MakesEveryGroupInvalid()
    {
        _store.Put(GroupKey, """{"consul_port": 8500}""");
        _store.Put(LegacyKey, "{\"groups\": {");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.Equal(ConfigLookupReason.Invalid, lookup.Reason);
        Assert.Contains(lookup.Problems, p => p.Message.StartsWith("malformed JSON at line 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_WithinTtl_DoesNotReadAgain()
    {
        _store.Put(GroupKey, """{"consul_port": 8500}""");
        await _provider.GetAsync("web", CancellationToken.None);
        int reads = _store.Requests.Count;

        _time.Advance(TimeSpan.FromSeconds(29));
        await _provider.GetAsync("web", CancellationToken.None);

        Assert.Equal(reads, _store.Requests.Count);
        Assert.Equal(1, _autoScaling.DescribeCalls);
    }

    [Fact]
    public async Task GetAsync_AfterTtlUnchanged_RevalidatesWithETag()
    {
        _store.Put(GroupKey, """{"consul_port": 8500}""");
        await _provider.GetAsync("web", CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(30));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        (string _, string? etag) = _store.Requests.Last(r => r.Key == GroupKey);
        Assert.NotNull(etag);
        Assert.Equal(8500, lookup.Config.ConsulPort);
        Assert.Equal(2, _autoScaling.DescribeCalls);
    }

    [Fact]
    public async Task GetAsync_ObjectChanged_IsPickedUpAfterTtl()
    {
        _store.Put(GroupKey, """{"consul_port": 8500}""");
        await _provider.GetAsync("web", CancellationToken.None);
        _store.Put(GroupKey, """{"consul_port": 8600}""");

        ConfigLookup beforeTtl = await _provider.GetAsync("web", CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup afterTtl = await _provider.GetAsync("web", CancellationToken.None);

        Assert.Equal(8500, beforeTtl.Config.ConsulPort);
        Assert.Equal(8600, afterTtl.Config.ConsulPort);
    }

    [Fact]
    public async Task GetAsync_ObjectDeleted_GroupFallsBackToLowerSources()
    {
        _store.Put(GroupKey, """{"consul_port": 8500}""");
        _autoScaling.Tag("web", "spotmax:consul_port", "9000");
        await _provider.GetAsync("web", CancellationToken.None);
        _store.Delete(GroupKey);

        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.Equal(9000, lookup.Config.ConsulPort);
        Assert.Equal(ConfigSourceKind.Tag, lookup.Sources["consul_port"].Kind);
    }

    [Fact]
    public async Task GetAsync_S3FailsAfterALoad_UsesLastGoodAndWarns()
    {
        _store.Put(GroupKey, """{"consul_port": 8500}""");
        await _provider.GetAsync("web", CancellationToken.None);
        _store.Failure = new RemoteApiException("s3", "ServiceUnavailable", "down", 503);

        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        Assert.True(lookup.UsedLastGood);
        Assert.Equal(8500, lookup.Config.ConsulPort);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("s3://cfg/groups/web.json failed", StringComparison.Ordinal));
        Assert.Contains(_metrics.Records, r => r.Name == GroupConfigProvider.SourceFailedMetric);

        // The failing store is asked again only after another TTL.
        int reads = _store.Requests.Count;
        await _provider.GetAsync("web", CancellationToken.None);
        Assert.Equal(reads, _store.Requests.Count);
    }

    [Fact]
    public async Task GetAsync_S3FailsBeforeAnyLoad_IsUnavailableAndNotManaged()
    {
        _store.Failure = new RemoteApiException("s3", "AccessDenied", "no", 403);

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Equal(ConfigLookupReason.SourceUnavailable, lookup.Reason);
        Assert.Contains(_metrics.Records, r => r.Name == GroupConfigProvider.UnavailableMetric);
    }

    [Fact]
    public async Task GetAsync_AutoScalingFailsAfterALoad_UsesLastGoodTags()
    {
        _autoScaling.Tag("web", "spotmax:consul_port", "9000");
        await _provider.GetAsync("web", CancellationToken.None);
        _autoScaling.Failure = new RemoteApiException("autoscaling", "Throttling", "slow down", 400);

        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        Assert.True(lookup.UsedLastGood);
        Assert.Equal(9000, lookup.Config.ConsulPort);
    }

    [Fact]
    public async Task GetAsync_KnownTags_DoesNotDescribeTheGroup()
    {
        ConfigLookup lookup = await _provider.GetAsync("web", [new AsgTag("spotmax:k8s_node_drain_option", "true", false)], CancellationToken.None);

        Assert.Equal(0, _autoScaling.DescribeCalls);
        Assert.True(lookup.Managed);
        Assert.True(lookup.Config.K8sNodeDrainOption);
    }

    [Fact]
    public async Task GetAsync_CallerDescribingTheGroup_TakesTheTagsFromItWithoutASecondDescribe()
    {
        IGroupConfigSource source = _provider;
        var described = new AutoScalingGroupInfo { Name = "web", Tags = [new AsgTag("spotmax:consul_port", "9100", false)] };

        GroupConfigLookup lookup = await source.GetAsync("web", Task.FromResult<AutoScalingGroupInfo?>(described), CancellationToken.None);

        Assert.Equal(0, _autoScaling.DescribeCalls);
        Assert.True(lookup.Managed);
        Assert.Equal(9100, lookup.Config!.ConsulPort);
        // Cached like a read of its own: within the TTL a plain lookup describes nothing either.
        await _provider.GetAsync("web", CancellationToken.None);
        Assert.Equal(0, _autoScaling.DescribeCalls);
    }

    [Fact]
    public async Task GetAsync_CallerDescriptionFailed_ReadsTheTagsItself()
    {
        IGroupConfigSource source = _provider;
        _autoScaling.Tag("web", "spotmax:consul_port", "9200");

        GroupConfigLookup lookup = await source.GetAsync("web", Task.FromResult<AutoScalingGroupInfo?>(null), CancellationToken.None);

        Assert.Equal(1, _autoScaling.DescribeCalls);
        Assert.Equal(9200, lookup.Config!.ConsulPort);
    }

    [Fact]
    public async Task GetAsync_WarningsOnly_GroupIsManagedAndWarningLogged()
    {
        _store.Put(GroupKey, """{"detaching_delay_seconds": 100}""");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("leaves only 20 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_CustomPrefixAndLegacyKey_ReadsThoseKeys()
    {
        var provider = new GroupConfigProvider(_store, null, new GroupConfigOptions { Bucket = "cfg", GroupPrefix = "", LegacyKey = "max/service_config.json" }, _time, _logger, _metrics);
        _store.Put("web.json", """{"dry_run": true}""");
        _store.Put("max/service_config.json", """{"groups": {"web": {"consul_port": 8500}}}""");

        ConfigLookup lookup = await provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Config.DryRun);
        Assert.Equal(8500, lookup.Config.ConsulPort);
    }
}
