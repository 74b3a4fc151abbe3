using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Runtime;

public sealed class ObservabilityTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 14, 21, 123, TimeSpan.Zero);

    [Fact]
    public void Log_TemplateAndScopes_WritesOnePowertoolsLineWithSnakeCaseKeys()
    {
        using var stream = new MemoryStream();
        using var factory = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Information, new FakeTimeProvider(Now), new LogSink(stream)));
        ILogger logger = factory.CreateLogger("Dispatcher");

        using (logger.BeginScope(new Dictionary<string, object?> { ["EventId"] = "1e5527d7", ["group"] = "web-spot" }))
        {
            logger.LogWarning("Replacing {InstanceId} in {AZ} after {Seconds} s", "i-0b662ef9931388ba0", "us-east-1a", 12.5);
        }

        string text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using JsonDocument line = JsonDocument.Parse(text);
        JsonElement root = line.RootElement;
        Assert.Equal("Warning", root.GetProperty("level").GetString());
        Assert.Equal("Replacing i-0b662ef9931388ba0 in us-east-1a after 12.5 s", root.GetProperty("message").GetString());
        Assert.Equal("2026-11-24T08:14:21.123Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("maxgroup", root.GetProperty("service").GetString());
        Assert.Equal("i-0b662ef9931388ba0", root.GetProperty("instance_id").GetString());
        Assert.Equal("us-east-1a", root.GetProperty("az").GetString());
        Assert.Equal(12.5, root.GetProperty("seconds").GetDouble());
        Assert.Equal("1e5527d7", root.GetProperty("event_id").GetString());
        Assert.Equal("web-spot", root.GetProperty("group").GetString());
        Assert.False(root.TryGetProperty("{OriginalFormat}", out _));
    }

    [Fact]
    public void Log_BelowMinimumLevel_WritesNothing()
    {
        using var stream = new MemoryStream();
        using var factory = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Warning, new FakeTimeProvider(Now), new LogSink(stream)));
        ILogger logger = factory.CreateLogger("x");

        logger.LogInformation("quiet");
        logger.LogDebug("quieter");

        Assert.Equal(0, stream.Length);
        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Error));
    }

    [Fact]
    public void Log_Exception_WritesTypeAndMessage()
    {
        using var stream = new MemoryStream();
        using var factory = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Information, new FakeTimeProvider(Now), new LogSink(stream)));

        factory.CreateLogger("x").LogError(new TimeoutException("EC2 did not answer"), "Step {Step} failed", "replace");

        using JsonDocument line = JsonDocument.Parse(stream.ToArray());
        JsonElement exception = line.RootElement.GetProperty("exception");
        Assert.Equal("System.TimeoutException", exception.GetProperty("type").GetString());
        Assert.Equal("EC2 did not answer", exception.GetProperty("message").GetString());
        Assert.Equal("replace", line.RootElement.GetProperty("step").GetString());
    }

    [Theory]
    [InlineData("DEBUG", null, LogLevel.Debug)]
    [InlineData("WARN", "Debug", LogLevel.Warning)]
    [InlineData(null, "Error", LogLevel.Error)]
    [InlineData(null, "info", LogLevel.Information)]
    [InlineData("FATAL", null, LogLevel.Critical)]
    [InlineData(null, null, LogLevel.Information)]
    [InlineData("bogus", "also-bogus", LogLevel.Information)]
    public void Resolve_LambdaAndPowertoolsLevels_LambdaWins(string? lambda, string? powertools, LogLevel expected)
    {
        Assert.Equal(expected, LogLevels.Resolve(lambda, powertools));
    }

    [Theory]
    [InlineData("InstanceId", "instance_id")]
    [InlineData("instance_id", "instance_id")]
    [InlineData("AZ", "az")]
    [InlineData("AWSRequestId", "aws_request_id")]
    [InlineData("@Group", "group")]
    [InlineData("Attempt2Count", "attempt2_count")]
    public void ToSnakeCase_TemplateName_MatchesPowertoolsKeys(string name, string expected)
    {
        Assert.Equal(expected, JsonKeys.ToSnakeCase(name));
    }

    [Fact]
    public void Record_Metric_WritesEmbeddedMetricFormatLine()
    {
        using var stream = new MemoryStream();
        var metrics = new EmfMetrics(new LogSink(stream), new FakeTimeProvider(Now), "maxgroup");

        metrics.Record("InterruptionsHandled", 1, MetricUnit.Count, new Dictionary<string, string> { ["group"] = "web-spot" });

        using JsonDocument line = JsonDocument.Parse(stream.ToArray());
        JsonElement root = line.RootElement;
        JsonElement aws = root.GetProperty("_aws");
        Assert.Equal(Now.ToUnixTimeMilliseconds(), aws.GetProperty("Timestamp").GetInt64());
        JsonElement directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray());
        Assert.Equal("MaxGroup", directive.GetProperty("Namespace").GetString());
        Assert.Equal(["service", "group"], directive.GetProperty("Dimensions")[0].EnumerateArray().Select(d => d.GetString()));
        JsonElement metric = Assert.Single(directive.GetProperty("Metrics").EnumerateArray());
        Assert.Equal("InterruptionsHandled", metric.GetProperty("Name").GetString());
        Assert.Equal("Count", metric.GetProperty("Unit").GetString());
        Assert.Equal(1, root.GetProperty("InterruptionsHandled").GetDouble());
        Assert.Equal("maxgroup", root.GetProperty("service").GetString());
        Assert.Equal("web-spot", root.GetProperty("group").GetString());
    }

    [Fact]
    public void RecordExact_SpotMaxPreComplement_OnlyItsOwnDimensionSoOldAlarmsMatch()
    {
        using var stream = new MemoryStream();
        IMetrics metrics = new EmfMetrics(new LogSink(stream), new FakeTimeProvider(Now), "maxgroup");

        metrics.RecordExact(LegacyMetrics.Namespace, LegacyMetrics.Name, 1, MetricUnit.Count, LegacyMetrics.PreComplementDimensions);

        using JsonDocument line = JsonDocument.Parse(stream.ToArray());
        JsonElement root = line.RootElement;
        JsonElement directive = Assert.Single(root.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray());
        Assert.Equal("SpotMax", directive.GetProperty("Namespace").GetString());
        Assert.Equal(["MaxGroup"], directive.GetProperty("Dimensions")[0].EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("Count", Assert.Single(directive.GetProperty("Metrics").EnumerateArray()).GetProperty("Name").GetString());
        Assert.Equal("Pre-complement", root.GetProperty("MaxGroup").GetString());
        Assert.Equal(1, root.GetProperty("Count").GetDouble());
        Assert.False(root.TryGetProperty("service", out _));
    }

    [Fact]
    public void Record_NotFinite_Throws()
    {
        var metrics = new EmfMetrics(new LogSink(Stream.Null), new FakeTimeProvider(Now), "maxgroup");

        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.Record("x", double.NaN, MetricUnit.Count));
    }
}
