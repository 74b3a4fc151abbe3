using MaxGroup.Core.Config;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Tests.Config;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MaxGroup.Core.Tests.Dispatch;

public sealed class ProviderGroupConfigSourceTests
{
    private readonly InMemoryConfigObjectStore _store = new();
    private readonly ProviderGroupConfigSource _source;

    public ProviderGroupConfigSourceTests()
    {
        var provider = new GroupConfigProvider(_store, null, new GroupConfigOptions { Bucket = "cfg" }, new FakeTimeProvider(), NullLogger.Instance, NullMetrics.Instance);
        _source = new ProviderGroupConfigSource(provider);
    }

    [Fact]
    public async Task Get_GroupFile_IsManagedWithItsConfig()
    {
        _store.Put("groups/web.json", """{"persistence_dev":"/dev/sdf","detaching_delay_seconds":45}""");

        GroupConfigLookup lookup = await _source.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed);
        Assert.Equal("/dev/sdf", lookup.Config!.PersistenceDev);
        Assert.Equal(45, lookup.Config.DetachingDelaySeconds);
        Assert.Equal(["replace", "volume"], Dispatcher.PlanSteps(lookup.Config));
    }

    [Fact]
    public async Task Get_NoSource_IsNotManagedWithReason()
    {
        GroupConfigLookup lookup = await _source.GetAsync("web", CancellationToken.None);

        Assert.False(lookup.Managed);
        Assert.Null(lookup.Config);
        Assert.False(string.IsNullOrWhiteSpace(lookup.Reason));
    }
}
