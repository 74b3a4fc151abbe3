using MaxGroup.Aws.Preaction;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Preaction;

/// <summary>The advisor download against a loopback server serving the trimmed snapshot: parse, cache, fall back.</summary>
public sealed class SpotAdvisorDownloadTests
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task Get_ServerServesTrimmedFile_ParsesTheDownload()
    {
        byte[] body = SpotAdvisorSnapshot.ReadBytes();
        await using AdvisorServer server = await AdvisorServer.StartAsync((_, context) => AdvisorServer.ServeAsync(context, body));
        var source = new HttpSpotAdvisorSource(Http, server.Url, TimeSpan.FromMinutes(60), TimeSpan.FromSeconds(10), TimeProvider.System, NullLogger.Instance);

        SpotAdvisorData data = await source.GetAsync(CancellationToken.None);

        Assert.False(data.IsFallback);
        Assert.Equal(server.Url.ToString(), data.Origin);
        Assert.Equal(4, data.Find("us-east-1", "c5.large")!.InterruptionBucket);
        Assert.Equal(">20%", data.Label(4));
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Get_WithinTtl_AnswersFromMemoryAndDownloadsAgainAfterIt()
    {
        byte[] body = SpotAdvisorSnapshot.ReadBytes();
        await using AdvisorServer server = await AdvisorServer.StartAsync((_, context) => AdvisorServer.ServeAsync(context, body));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var source = new HttpSpotAdvisorSource(Http, server.Url, TimeSpan.FromMinutes(60), TimeSpan.FromSeconds(10), clock, NullLogger.Instance);

        await source.GetAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(59));
        await source.GetAsync(CancellationToken.None);
        Assert.Equal(1, server.RequestCount);

        clock.Advance(TimeSpan.FromMinutes(2));
        await source.GetAsync(CancellationToken.None);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task Get_Server500_FallsBackToTheEmbeddedTrimmedSnapshot()
    {
        await using AdvisorServer server = await AdvisorServer.StartAsync((_, context) =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsync("<html>Internal Server Error</html>");
        });
        var source = new HttpSpotAdvisorSource(Http, server.Url, TimeSpan.FromMinutes(60), TimeSpan.FromSeconds(10), TimeProvider.System, NullLogger.Instance);

        SpotAdvisorData data = await source.GetAsync(CancellationToken.None);

        Assert.True(data.IsFallback);
        Assert.Contains("trimmed snapshot", data.Origin, StringComparison.Ordinal);
        Assert.Equal(0, data.Find("us-east-1", "m5.large")!.InterruptionBucket);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Get_ServerTooSlow_TimesOutAndFallsBack()
    {
        byte[] body = SpotAdvisorSnapshot.ReadBytes();
        await using AdvisorServer server = await AdvisorServer.StartAsync(async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await AdvisorServer.ServeAsync(context, body);
            }
        });
        var source = new HttpSpotAdvisorSource(Http, server.Url, TimeSpan.FromMinutes(60), TimeSpan.FromMilliseconds(300), TimeProvider.System, NullLogger.Instance);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        SpotAdvisorData data = await source.GetAsync(CancellationToken.None);

        Assert.True(data.IsFallback);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Get_DownloadFailsAfterAGoodOne_KeepsTheLastGoodCopyRatherThanTheSnapshot()
    {
        byte[] body = SpotAdvisorSnapshot.ReadBytes();
        await using AdvisorServer server = await AdvisorServer.StartAsync((count, context) =>
        {
            if (count == 1)
            {
                return AdvisorServer.ServeAsync(context, body);
            }

            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var source = new HttpSpotAdvisorSource(Http, server.Url, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10), clock, NullLogger.Instance);

        SpotAdvisorData first = await source.GetAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        SpotAdvisorData second = await source.GetAsync(CancellationToken.None);

        Assert.Equal(2, server.RequestCount);
        Assert.Same(first, second);
        Assert.False(second.IsFallback);
    }

    [Fact]
    public async Task Get_NotAdvisorJson_FallsBack()
    {
        await using AdvisorServer server = await AdvisorServer.StartAsync((_, context) => AdvisorServer.ServeAsync(context, "{\"hello\": 1}"u8.ToArray()));
        var source = new HttpSpotAdvisorSource(Http, server.Url, TimeSpan.FromMinutes(60), TimeSpan.FromSeconds(10), TimeProvider.System, NullLogger.Instance);

        Assert.True((await source.GetAsync(CancellationToken.None)).IsFallback);
    }

    [Fact]
    public void Snapshot_RepositoryFile_IsLabelledTrimmedWithItsDate()
    {
        using var document = System.Text.Json.JsonDocument.Parse(SpotAdvisorSnapshot.ReadBytes());
        System.Text.Json.JsonElement snapshot = document.RootElement.GetProperty("_snapshot");

        Assert.True(snapshot.GetProperty("trimmed").GetBoolean());
        Assert.True(DateOnly.TryParse(snapshot.GetProperty("date").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.True(SpotAdvisorSnapshot.Data.IsFallback);
    }
}
