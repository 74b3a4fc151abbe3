namespace MaxGroup.Core.Tests.Configuration;

/// <summary>Defaults per documented generation, and k8s_config_file_path turning the drain on as it did in the tag generation.</summary>
public class ConfigGenerationTests
{
    private static GroupConfigSource Tags(params (string Key, string Value)[] tags) =>
        GroupConfigReader.ReadTags(tags.Select(t => new AsgTag("spotmax:" + t.Key, t.Value, false)), "web");

    private static GroupConfigSource File(string json) =>
        ConfigDocumentParser.ParseGroupFile(Encoding.UTF8.GetBytes(json), new ConfigSource(ConfigSourceKind.GroupFile, "s3://cfg/groups/web.json"));

    [Fact]
    public void Merge_OnlyTags_TakesTheTagGenerationsDefaultsAndSaysSo()
    {
        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [Tags(("consul_port", "8500"))]);

        Assert.Equal(ConfigGeneration.SpotmaxTags, effective.Generation);
        Assert.Equal(30, effective.Config.DetachingDelaySeconds);
        Assert.Equal(30, effective.Config.PreactionDetachDelaySeconds);
        Assert.Equal(300, effective.Config.PreactionTerminationDelaySeconds);
        Assert.True(effective.Config.IsEnablePreaction);
        Assert.Equal(300, effective.Config.K8sNodeDrainGraceSecond);
        Assert.Equal(90, effective.Config.K8sDelayDrainingSecs);
        Assert.Equal(240, effective.Config.PreactionK8sDelayDrainingSecs);
        Assert.Equal(ConfigSource.TagGenerationDefault, effective.Sources["detaching_delay_seconds"]);
        Assert.Equal("default (spotmax:* tag generation)", effective.Sources["is_enable_preaction"].ToString());
    }

    [Fact]
    public void Merge_FileAndTags_TakesTheServiceConfigGenerationsDefaults()
    {
        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [File("""{"consul_port": "8500"}"""), Tags(("dry_run", "true"))]);

        Assert.Equal(ConfigGeneration.ServiceConfigFile, effective.Generation);
        Assert.Equal(20, effective.Config.DetachingDelaySeconds);
        Assert.False(effective.Config.IsEnablePreaction);
        Assert.Equal(120, effective.Config.K8sNodeDrainGraceSecond);
        Assert.Equal(ConfigSource.Default, effective.Sources["detaching_delay_seconds"]);
    }

    [Fact]
    public void Merge_TagsAndTheLegacyGlobalBlockOnly_StaysTheTagGeneration()
    {
        LegacyConfigDocument legacy = ConfigDocumentParser.ParseLegacyFile("""{"global": {"preaction_snapshot_interval_minutes": 40}, "groups": {}}"""u8.ToArray(), "service_config.json");

        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [Tags(("consul_port", "8500")), legacy.Global]);

        Assert.Equal(ConfigGeneration.SpotmaxTags, effective.Generation);
        Assert.Equal(40, effective.Config.PreactionSnapshotIntervalMinutes);
    }

    [Fact]
    public void Merge_TagGenerationDrainDefaults_DoNotWarnAboutTheWindow()
    {
        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [Tags(("k8s_config_file_path", "/root/.kube/config"), ("k8s_cluster_name", "prod"))]);

        Assert.Empty(effective.Problems);
    }

    [Fact]
    public void Merge_ConfigFilePathWithClusterName_TurnsTheDrainOn()
    {
        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [Tags(("k8s_config_file_path", "/root/.kube/config"), ("k8s_cluster_name", "prod"))]);

        Assert.True(effective.Config.K8sNodeDrainOption);
        Assert.True(effective.Config.HasDrainStep);
        Assert.Equal("prod", effective.Config.K8sClusterName);
    }

    [Fact]
    public void Merge_ConfigFilePathWithoutACluster_WarnsNamingTheMissingKeyAndTheObject()
    {
        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [Tags(("k8s_config_file_path", "/root/.kube/config"))]);

        ConfigProblem problem = Assert.Single(effective.Problems);
        Assert.Equal(ConfigSeverity.Warning, problem.Severity);
        Assert.Equal("tag spotmax:k8s_config_file_path", problem.Path);
        Assert.Contains("k8s_cluster_name", problem.ToString(), StringComparison.Ordinal);
        Assert.Contains("<prefix>web.kubeconfig", problem.Hint, StringComparison.Ordinal);
        Assert.True(effective.Config.HasDrainStep);
    }

    [Fact]
    public void Merge_ConfigFilePathWithDrainOptionFalse_StaysOffAndThePathIsReportedIgnored()
    {
        EffectiveGroupConfig effective = GroupConfigMerger.Merge("web", [Tags(("k8s_config_file_path", "/root/.kube/config"), ("k8s_node_drain_option", "false"))]);

        Assert.False(effective.Config.HasDrainStep);
        ConfigProblem problem = Assert.Single(effective.Problems);
        Assert.Equal("tag spotmax:k8s_config_file_path", problem.Path);
        Assert.StartsWith("is ignored without k8s_node_drain_option", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ConfigFilePathAndAnUploadedKubeconfig_TakesTheClusterFromIt()
    {
        var store = new InMemoryConfigObjectStore();
        store.Put("groups/web.kubeconfig", KubeconfigReaderTests.UpdateKubeconfigYaml);
        var autoScaling = new FakeAutoScaling();
        autoScaling.Tag("web", "spotmax:k8s_config_file_path", "/root/.kube/config");
        autoScaling.Tag("web", "spotmax:managed", "true");
        var provider = new GroupConfigProvider(store, autoScaling, new GroupConfigOptions { Bucket = "cfg" }, new FakeTimeProvider(), new RecordingLogger(), new RecordingMetrics());

        ConfigLookup lookup = await provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Equal("prod-eks", lookup.Config.K8sClusterName);
        Assert.True(lookup.Config.HasDrainStep);
        Assert.Equal("s3://cfg/groups/web.kubeconfig", lookup.Sources["k8s_cluster_name"].Location);
        Assert.Equal(ConfigGeneration.SpotmaxTags, lookup.Generation);
        Assert.Empty(lookup.Problems);
    }

    [Fact]
    public void Merge_SeedDrainOptionWithoutACluster_WarnsOnTheOptionNamingTheKubeconfigKey()
    {
        EffectiveGroupConfig effective = GroupConfigMerger.Merge("my asg", [File("""{"k8s_node_drain_option": true}""")]);

        ConfigProblem problem = Assert.Single(effective.Problems);
        Assert.Equal("$.k8s_node_drain_option", problem.Path);
        Assert.Contains("<prefix>my asg.kubeconfig", problem.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ConfigFilePathAndNoKubeconfig_ManagedWithTheWarning()
    {
        var autoScaling = new FakeAutoScaling();
        autoScaling.Tag("web", "spotmax:k8s_config_file_path", "/root/.kube/config");
        autoScaling.Tag("web", "spotmax:managed", "true");
        var provider = new GroupConfigProvider(new InMemoryConfigObjectStore(), autoScaling, new GroupConfigOptions { Bucket = "cfg" }, new FakeTimeProvider(), new RecordingLogger(), new RecordingMetrics());

        ConfigLookup lookup = await provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Null(lookup.Config.K8sClusterName);
        Assert.Contains(lookup.Problems, p => p.Path == "tag spotmax:k8s_config_file_path" && p.Hint!.Contains("web.kubeconfig", StringComparison.Ordinal));
    }
}
