using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Tests.Configuration;

/// <summary>Every documented service_config.json (config/examples/legacy/) is read unchanged, each key as the original meant it.</summary>
public class LegacyFileParityTests
{
    private const string AliyunKeyId = "LTAI5tEXAMPLEKEYID0000";
    private const string AliyunSecret = "EXAMPLEsecretNEVERprintedXXXXXX";

    public static TheoryData<string> LegacyFiles => new() { "aws-install-guide.json", "seed-best-practices.json", "aliyun.json" };

    [Theory]
    [MemberData(nameof(LegacyFiles))]
    public void Validate_DocumentedFile_HasNoErrorAndEveryWarningSaysWhatIsNotUsed(string file)
    {
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Read(file), file);

        Assert.DoesNotContain(problems, p => p.IsError);
        Assert.NotEmpty(problems);
        // Besides the daemon's own settings, only the seed's drain group is told to name its cluster.
        List<ConfigProblem> others = problems.Where(p => !p.Message.StartsWith(LegacyBlockReader.NotUsedPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(file == "seed-best-practices.json" ? ["$.groups['your autoscaling name'].k8s_node_drain_option"] : [], others.Select(p => p.Path));
    }

    [Fact]
    public void ParseLegacyFile_AwsInstallGuide_GlobalZeroWinsOverTheQueueBlocksTwentyAndQueuesAreReportedOnce()
    {
        LegacyConfigDocument document = ConfigDocumentParser.ParseLegacyFile(Read("aws-install-guide.json"), "service_config.json");

        Assert.Equal(0, document.Global.Entries[GroupConfigKeys.PreactionSnapshotIntervalKey].Value.Integer);
        Assert.Equal(
            ["$.global.detach_evt_sqs", "$.global.interruption_evt_sqs", "$.global.interruption_evt_sqs.preaction_snapshot_interval_minutes", "$.global.termination_evt_sqs"],
            document.Global.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        EffectiveGroupConfig group = GroupConfigMerger.Merge("spotmax_k8s", [document.Groups["spotmax_k8s"], document.Global]);
        Assert.False(group.HasErrors);
        Assert.Equal(0, group.Config.PreactionSnapshotIntervalMinutes);
        Assert.Equal(20, group.Config.DetachingDelaySeconds);
        Assert.Equal(5, group.Config.PreactionDetachDelaySeconds);
        Assert.Equal(ConfigGeneration.ServiceConfigFile, group.Generation);
    }

    [Fact]
    public void ParseLegacyFile_QueueBlockIntervalOnly_IsTheGlobalSetting()
    {
        const string Json = """{"global": {"interruption_evt_sqs": {"queue_url": "https://sqs.us-east-2.amazonaws.com/1/q", "preaction_snapshot_interval_minutes": 20}}, "groups": {"web": {}}}""";

        LegacyConfigDocument document = ConfigDocumentParser.ParseLegacyFile(System.Text.Encoding.UTF8.GetBytes(Json), "service_config.json");

        Assert.Equal(20, document.Global.Entries[GroupConfigKeys.PreactionSnapshotIntervalKey].Value.Integer);
    }

    [Fact]
    public void ParseLegacyFile_SeedPage_GroupNamesWithSpacesAndTheSeedSpellingOfTheDelay()
    {
        LegacyConfigDocument document = ConfigDocumentParser.ParseLegacyFile(Read("seed-best-practices.json"), "service_config.json");

        GroupConfig config = GroupConfigMerger.Merge("your autoscaling name", [document.Groups["your autoscaling name"], document.Global]).Config;
        Assert.Equal(["YOUR-ASG-NAME", "your autoscaling name"], document.Groups.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(20, config.DetachingDelaySeconds);
        Assert.Equal("/dev/sdf", config.PersistenceDev);
        Assert.True(config.HasDrainStep);
        Assert.Equal(8500, config.ConsulPort);
        Assert.Equal(ReplacementStrategy.Launch, config.EffectiveStrategy);
    }

    [Fact]
    public void Validate_AliyunEdition_ReportsCredentialsAsNotUsedWithoutTheirValues()
    {
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Read("aliyun.json"), "aliyun.json");

        string text = string.Join('\n', problems.Select(p => p.ToString()));
        Assert.Contains(problems, p => p.Path == "$.system.access_keyid" && p.Severity == ConfigSeverity.Warning);
        Assert.Contains(problems, p => p.Path == "$.system.access_secret" && p.Severity == ConfigSeverity.Warning);
        Assert.Contains(problems, p => p.Path == "$.system.region");
        Assert.DoesNotContain(AliyunKeyId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(AliyunSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("cn-hongkong", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AliyunEditionInTheBucket_GroupManagedAndCredentialsNeverLogged()
    {
        var store = new InMemoryConfigObjectStore();
        store.Put("service_config.json", System.Text.Encoding.UTF8.GetString(Read("aliyun.json")));
        var logger = new RecordingLogger();
        var provider = new GroupConfigProvider(store, null, new GroupConfigOptions { Bucket = "cfg" }, new FakeTimeProvider(), logger, new RecordingMetrics());

        ConfigLookup lookup = await provider.GetAsync("spotmax-hk", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("access_secret", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains(AliyunSecret, StringComparison.Ordinal) || e.Message.Contains(AliyunKeyId, StringComparison.Ordinal));
        Assert.DoesNotContain(lookup.Problems, p => p.ToLocatedString().Contains(AliyunSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_SameWarningsOnEveryEvent_AreLoggedOnceAndAgainWhenTheyChange()
    {
        var store = new InMemoryConfigObjectStore();
        store.Put("service_config.json", System.Text.Encoding.UTF8.GetString(Read("aws-install-guide.json")));
        var logger = new RecordingLogger();
        var time = new FakeTimeProvider();
        var provider = new GroupConfigProvider(store, null, new GroupConfigOptions { Bucket = "cfg", Ttl = TimeSpan.Zero }, time, logger, new RecordingMetrics());

        await provider.GetAsync("spotmax_k8s", CancellationToken.None);
        await provider.GetAsync("spotmax_k8s", CancellationToken.None);
        store.Put("service_config.json", """{"global": {"detach_evt_sqs": {}}, "groups": {"spotmax_k8s": {}}}""");
        await provider.GetAsync("spotmax_k8s", CancellationToken.None);

        List<string> warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("interruption_evt_sqs", warnings[0], StringComparison.Ordinal);
        Assert.DoesNotContain("interruption_evt_sqs", warnings[1], StringComparison.Ordinal);
    }

    internal static byte[] Read(string file) => File.ReadAllBytes(Path.Combine(RepositoryFiles.Root, "config", "examples", "legacy", file));
}

/// <summary>The repository root, found from the test binary.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = Find();

    private static string Find()
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
