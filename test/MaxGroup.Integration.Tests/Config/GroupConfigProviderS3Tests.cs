using Amazon.S3;
using MaxGroup.Aws.Config;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Configuration;

/// <summary>The provider loading from real S3 semantics (moto), through the fault proxy so outages can be switched on.</summary>
[Collection(MotoCollection.Name)]
public sealed class GroupConfigProviderS3Tests(MotoFixture moto) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger _logger = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly FakeAutoScaling _tags = new();
    private AwsFaultProxy _proxy = null!;
    private AmazonS3Client _direct = null!;
    private AmazonS3Client _viaProxy = null!;
    private string _bucket = "";
    private GroupConfigProvider _provider = null!;
    private ObservedStore _store = null!;

    public async Task InitializeAsync()
    {
        _proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        _direct = ConfigTestSupport.S3(moto.Endpoint);
        _viaProxy = ConfigTestSupport.S3(_proxy.Endpoint, maxErrorRetry: 0);
        _bucket = await ConfigTestSupport.NewBucketAsync(_direct);
        _store = new ObservedStore(new S3ConfigObjectStore(_viaProxy, _bucket));
        _provider = new GroupConfigProvider(_store, _tags, new GroupConfigOptions { Bucket = _bucket }, _time, _logger, _metrics);
    }

    public async Task DisposeAsync()
    {
        _direct.Dispose();
        _viaProxy.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task GetAsync_FileLegacyAndTags_MergeKeyByKeyWithSources()
    {
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"detaching_delay_seconds": 30, "persistence_dev": "/dev/sdf"}""");
        await ConfigTestSupport.PutAsync(_direct, _bucket, "service_config.json",
            """{"system": {}, "global": {}, "groups": {"web": {"dettaching_delay_seconds": 20, "consul_port": "8500", "k8s_node_drain_option": true}}}""");
        _tags.Tag("web", "spotmax:consul_port", "9000");
        _tags.Tag("web", "spotmax:dry_run", "true");

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Equal(30, lookup.Config.DetachingDelaySeconds);
        Assert.Equal("/dev/sdf", lookup.Config.PersistenceDev);
        Assert.Equal(8500, lookup.Config.ConsulPort);
        Assert.True(lookup.Config.K8sNodeDrainOption);
        Assert.True(lookup.Config.DryRun);
        Assert.Equal($"s3://{_bucket}/groups/web.json", lookup.Sources["detaching_delay_seconds"].Location);
        Assert.Equal($"s3://{_bucket}/service_config.json $.groups.web", lookup.Sources["consul_port"].Location);
        Assert.Equal("tag spotmax:dry_run", lookup.Sources["dry_run"].Location);
        Assert.Equal(ConfigSourceKind.Default, lookup.Sources["is_enable_od_fallback"].Kind);
    }

    [Fact]
    public async Task GetAsync_AfterTtl_RevalidatesWithETagAndGets304()
    {
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": 8500}""");
        await _provider.GetAsync("web", CancellationToken.None);
        int reads = _store.Reads.Count;

        await _provider.GetAsync("web", CancellationToken.None);
        Assert.Equal(reads, _store.Reads.Count);

        _time.Advance(TimeSpan.FromSeconds(30));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.UsedLastGood, string.Join("\n", _logger.Entries));
        Assert.Contains(_store.Reads, r => r.Key == "groups/web.json" && r.IfNoneMatch is not null && r.Status == ConfigObjectStatus.NotModified);
        Assert.Equal(8500, lookup.Config.ConsulPort);
    }

    [Fact]
    public async Task GetAsync_ObjectUpdated_PickedUpAfterTtlWithoutRestart()
    {
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": 8500}""");
        await _provider.GetAsync("web", CancellationToken.None);
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": 8600, "dry_run": true}""");

        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.Equal(8600, lookup.Config.ConsulPort);
        Assert.True(lookup.Config.DryRun);
    }

    [Fact]
    public async Task GetAsync_ObjectDeleted_GroupNoLongerConfiguredByIt()
    {
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": 8500}""");
        Assert.True((await _provider.GetAsync("web", CancellationToken.None)).Managed);
        await _direct.DeleteObjectAsync(_bucket, "groups/web.json");

        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Equal(ConfigLookupReason.NotConfigured, lookup.Reason);
    }

    [Fact]
    public async Task GetAsync_S3Outage_UsesLastGoodConfigAndWarns()
    {
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": 8500}""");
        await _provider.GetAsync("web", CancellationToken.None);
        _proxy.Plan = new FaultPlan { ServerError = 1.0, Services = new HashSet<string> { "s3" } };

        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.Contains(_proxy.Calls, c => c.Fault == "5xx");
        Assert.True(lookup.Managed);
        Assert.True(lookup.UsedLastGood);
        Assert.Equal(8500, lookup.Config.ConsulPort);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("failed; using the copy", StringComparison.Ordinal));
        Assert.Contains(GroupConfigProvider.SourceFailedMetric, _metrics.Names);
    }

    [Fact]
    public async Task GetAsync_S3OutageBeforeFirstLoad_GroupNotActedOn()
    {
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": 8500}""");
        _proxy.Plan = new FaultPlan { ServerError = 1.0, Services = new HashSet<string> { "s3" } };

        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Equal(ConfigLookupReason.SourceUnavailable, lookup.Reason);
    }

    [Fact]
    public async Task GetAsync_InvalidObjectUploaded_NeverActedOnEvenWithGoodCopyHeld()
    {
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": 8500}""");
        Assert.True((await _provider.GetAsync("web", CancellationToken.None)).Managed);
        await ConfigTestSupport.PutAsync(_direct, _bucket, "groups/web.json", """{"consul_port": "eighty", "persistance_dev": "/dev/sdf"}""");

        _time.Advance(TimeSpan.FromSeconds(31));
        ConfigLookup lookup = await _provider.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Equal(ConfigLookupReason.Invalid, lookup.Reason);
        (LogLevel _, string message) = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("$.consul_port", message, StringComparison.Ordinal);
        Assert.Contains("$.persistance_dev: unknown key (did you mean \"persistence_dev\"?)", message, StringComparison.Ordinal);
        Assert.Contains(GroupConfigProvider.InvalidMetric, _metrics.Names);
    }

    [Fact]
    public async Task GetAsync_SeedLegacyFileUnchanged_ManagesItsGroup()
    {
        string seed = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "config", "examples", "service_config.json"));
        await ConfigTestSupport.PutAsync(_direct, _bucket, "service_config.json", seed);

        ConfigLookup lookup = await _provider.GetAsync("YOUR-ASG-NAME", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Equal(20, lookup.Config.DetachingDelaySeconds);
        Assert.Equal("/dev/sdf", lookup.Config.PersistenceDev);
        Assert.Equal(8500, lookup.Config.ConsulPort);
    }

    /// <summary>Passes reads to the real S3 store and notes what each one asked and got.</summary>
    private sealed class ObservedStore(IConfigObjectStore inner) : IConfigObjectStore
    {
        public List<(string Key, string? IfNoneMatch, ConfigObjectStatus Status)> Reads { get; } = [];

        public async Task<ConfigObjectResult> GetAsync(string key, string? ifNoneMatchETag, CancellationToken cancellationToken)
        {
            ConfigObjectResult result = await inner.GetAsync(key, ifNoneMatchETag, cancellationToken);
            lock (Reads)
            {
                Reads.Add((key, ifNoneMatchETag, result.Status));
            }

            return result;
        }
    }

    internal static string RepositoryRoot() => Runtime.RepositoryPaths.Root;
}
