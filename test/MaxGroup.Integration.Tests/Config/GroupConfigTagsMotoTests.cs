using MaxGroup.Aws.Config;
using System.CommandLine;
using MaxGroup.Cli;
using MaxGroup.Cli.Commands;

namespace MaxGroup.Integration.Tests.Configuration;

/// <summary>The tag source through the real AutoScaling client and S3 store, both on moto.</summary>
[Collection(MotoCollection.Name)]
public sealed class GroupConfigTagsMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private readonly AwsClientFactory _aws = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private string _bucket = "";

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _bucket = await ConfigTestSupport.NewBucketAsync(_aws.S3);
        await new MotoScene(_aws).LaunchTemplateAsync("lt-web");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _aws.Dispose();

    [Fact]
    public async Task GetAsync_SpotmaxTags_AreParsedAndRankBelowFiles()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-web", min: 0, max: 2, desired: 0, tags:
        [
            ("spotmax:consul_port", "8500", false),
            ("spotmax:k8s_node_drain_option", "true", false),
            ("spotmax:k8s_cluster_name", "prod", false),
            ("spotmax:detaching_delay_seconds", "45", false),
            ("spotmax:group", "web", true),
            ("spotmax:managed", "true", false),
            ("team", "payments", true),
        ]);
        await ConfigTestSupport.PutAsync(_aws.S3, _bucket, "groups/web.json", """{"detaching_delay_seconds": 30}""");

        ConfigLookup lookup = await Provider().GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Equal(8500, lookup.Config.ConsulPort);
        Assert.True(lookup.Config.K8sNodeDrainOption);
        Assert.Equal(30, lookup.Config.DetachingDelaySeconds);
        Assert.Equal("tag spotmax:consul_port", lookup.Sources["consul_port"].Location);
        Assert.Equal(ConfigSourceKind.GroupFile, lookup.Sources["detaching_delay_seconds"].Kind);
        Assert.Empty(lookup.Problems);
    }

    [Fact]
    public async Task GetAsync_TagsOnlyProStyle_GroupIsManaged()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-web", min: 0, max: 2, desired: 0, tags:
        [
            ("spotmax:persistence_dev", "/dev/sdf", false),
            ("spotmax:alt1", "m5.large", false),
        ]);

        ConfigLookup lookup = await Provider().GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Equal("/dev/sdf", lookup.Config.PersistenceDev);
        Assert.Equal(["m5.large"], lookup.Config.AlternativeInstanceTypes);
    }

    [Fact]
    public async Task GetAsync_GroupWithoutSpotmaxTags_IsNotConfigured()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-web", min: 0, max: 2, desired: 0, tags: [("team", "payments", true)]);

        ConfigLookup lookup = await Provider().GetAsync("web", CancellationToken.None);

        Assert.Equal(ConfigLookupReason.NotConfigured, lookup.Reason);
    }

    [Fact]
    public async Task DispatcherView_IgnoreTagTrue_IsNotManagedWithReason()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-web", min: 0, max: 2, desired: 0, tags:
        [
            ("spotmax:consul_port", "8500", false),
            ("spotmax:ignore_tag", "true", false),
        ]);
        IGroupConfigSource source = Provider();

        GroupConfigLookup lookup = await source.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Contains("switched off", lookup.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DispatcherView_BadTagValue_IsNotManagedAndNamesTheTag()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-web", min: 0, max: 2, desired: 0, tags:
        [
            ("spotmax:consul_port", "eighty-five-hundred", false),
        ]);
        IGroupConfigSource source = Provider();

        GroupConfigLookup lookup = await source.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Null(lookup.Config);
        Assert.Contains("tag spotmax:consul_port", lookup.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ConfigShow_ReadsTagsThroughTheAutoScalingClient()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-web", min: 0, max: 2, desired: 0, tags: [("spotmax:dry_run", "true", false)]);
        Command command = ConfigCommand.Create(new ConfigCommandServices
        {
            GetVariable = name => name == GroupConfigOptions.BucketVariable ? _bucket : null,
            StoreForBucket = b => new S3ConfigObjectStore(_aws.S3, b),
            AutoScaling = () => _aws.AutoScaling,
        });
        using var output = new StringWriter();

        int exit = await new RootCommand { command }.Parse(["config", "show", "web"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(0, exit);
        Assert.Contains("group web: managed (dry run)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("tag spotmax:dry_run", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_FromVariables_ReadsPrefixedFileAndTags()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-web", min: 0, max: 2, desired: 0, tags: [("spotmax:consul_port", "8500", false)]);
        await ConfigTestSupport.PutAsync(_aws.S3, _bucket, "maxgroup/web.json", """{"dry_run": true}""");
        var variables = new Dictionary<string, string> { [GroupConfigOptions.BucketVariable] = _bucket, [GroupConfigOptions.PrefixVariable] = "maxgroup/" };
        GroupConfigProvider provider = GroupConfigProviderFactory.Create(_aws, variables.GetValueOrDefault, _time, NullLoggerFactory.Instance, new RecordingMetrics());

        ConfigLookup lookup = await provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.True(lookup.Config.DryRun);
        Assert.Equal(8500, lookup.Config.ConsulPort);
    }

    [Fact]
    public async Task Program_ValidateJoinedTheRootCommand()
    {
        string file = Path.Combine(Path.GetTempPath(), $"maxgroup-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"persistance_dev": "/dev/sdf"}""");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            int exit = await Program.RunAsync(["validate", file], output, error, CancellationToken.None);

            Assert.Equal(1, exit);
            Assert.Contains("$.persistance_dev: unknown key (did you mean \"persistence_dev\"?)", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private GroupConfigProvider Provider() =>
        new(new S3ConfigObjectStore(_aws.S3, _bucket), _aws.AutoScaling, new GroupConfigOptions { Bucket = _bucket }, _time, new RecordingLogger(), new RecordingMetrics());
}
