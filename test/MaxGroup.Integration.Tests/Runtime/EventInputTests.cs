using MaxGroup.Functions.Handlers;
using MaxGroup.Integration.Tests.Dispatch;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>
/// The functions that take EventBridge events, as the real catalog builds them: a malformed event fails the invocation
/// with the parser's reason (logged "Event rejected" by the dispatcher and the replace function), and an input that is
/// no event reaches the remediation request's path and its message. Every input here fails before any AWS call.
/// </summary>
public sealed class EventInputTests
{
    private static readonly string MissingInstanceId = File.ReadAllText(RepositoryPaths.Event("invalid/spot-warning-missing-instance-id.json"));

    [Theory]
    [InlineData(HandlerNames.Dispatcher)]
    [InlineData(HandlerNames.Replace)]
    public async Task HandleAsync_MalformedEvent_LogsEventRejectedAndFailsWithTheReason(string function)
    {
        using var logs = new MemoryStream();
        IFunctionHandler handler = Catalog(logs).Create(function);

        var ex = await Assert.ThrowsAsync<EventParseException>(() => handler.HandleAsync(MissingInstanceId, new TestLambdaContext(), CancellationToken.None));

        Assert.Equal("detail.instance-id is missing", ex.Message);
        Assert.Contains("Event rejected: detail.instance-id is missing", Encoding.UTF8.GetString(logs.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VolumeFunction_MalformedEvent_FailsWithTheReasonUnlogged()
    {
        using var logs = new MemoryStream();
        IFunctionHandler handler = Catalog(logs).Create(HandlerNames.Volume);

        var ex = await Assert.ThrowsAsync<EventParseException>(() => handler.HandleAsync(MissingInstanceId, new TestLambdaContext(), CancellationToken.None));

        Assert.Equal("detail.instance-id is missing", ex.Message);
        Assert.DoesNotContain("Event rejected", Encoding.UTF8.GetString(logs.ToArray()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HandlerNames.Replace)]
    [InlineData(HandlerNames.Volume)]
    public async Task HandleAsync_NotJson_IsReportedAsARemediationRequest(string function)
    {
        using var logs = new MemoryStream();
        IFunctionHandler handler = Catalog(logs).Create(function);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => handler.HandleAsync("{not json", new TestLambdaContext(), CancellationToken.None));

        Assert.StartsWith("remediation request is not valid: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Event rejected", Encoding.UTF8.GetString(logs.ToArray()), StringComparison.Ordinal);
    }

    private static HandlerCatalog Catalog(Stream logs)
    {
        var time = new FakeTimeProvider();
        var loggers = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Information, time, new LogSink(logs)));
        return HandlerCatalog.CreateDefault(new FunctionServices(new FakeEnvironment(("AWS_REGION", "us-east-1")), time, loggers, NullMetrics.Instance, InvocationOptions.Lambda));
    }
}
