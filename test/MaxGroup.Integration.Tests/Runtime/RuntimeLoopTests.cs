using MaxGroup.Functions.Handlers;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>The runtime loop against an in-memory Runtime API (unit tests; the real emulator is in <see cref="BootstrapEmulatorTests"/>).</summary>
public sealed class RuntimeLoopTests
{
    private static readonly string SpotWarning = File.ReadAllText(RepositoryPaths.Event("ec2-spot-interruption-warning.json"));

    [Fact]
    public async Task RunAsync_GoodInvocation_PostsHandlerResponse()
    {
        var handler = new DelegateHandler("echo", (input, _, _) => Task.FromResult($"{{\"got\":{input}}}"));
        using var host = new RuntimeTestHost("echo", RuntimeTestHost.CatalogWith(handler), new RuntimeInvocation("req-1", "{\"a\":1}"));

        int exitCode = await host.RunAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal([("req-1", "{\"got\":{\"a\":1}}")], host.Client.Responses);
        Assert.Empty(host.Client.Errors);
        Assert.Empty(host.Client.InitErrors);
    }

    [Fact]
    public async Task RunAsync_ThrowingHandler_PostsErrorAndServesNextInvocation()
    {
        int calls = 0;
        var handler = new DelegateHandler("flaky", (_, _, _) => ++calls == 1
            ? throw new InvalidOperationException("group web-spot has no launch template")
            : Task.FromResult("{\"ok\":true}"));
        using var host = new RuntimeTestHost("flaky", RuntimeTestHost.CatalogWith(handler),
            new RuntimeInvocation("req-1", "{}"), new RuntimeInvocation("req-2", "{}"));

        int exitCode = await host.RunAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal(["error:req-1", "response:req-2"], host.Client.Reports);
        RuntimeError error = Assert.Single(host.Client.Errors).Error;
        Assert.Equal(nameof(InvalidOperationException), error.ErrorType);
        Assert.Equal("group web-spot has no launch template", error.ErrorMessage);
        Assert.NotEmpty(error.StackTrace);
    }

    [Fact]
    public async Task RunAsync_MalformedEvent_PostsErrorNamingFieldAndServesNext()
    {
        string malformed = File.ReadAllText(RepositoryPaths.Event("invalid/spot-warning-missing-instance-id.json"));
        // A handler that validates like every MaxGroup handler does, so this test is about the loop, not one handler.
        var handler = new DelegateHandler("parse", (input, _, _) =>
        {
            MaxGroupEvent parsed = EventParser.Parse(input);
            return Task.FromResult($"{{\"status\":\"no-op\",\"reason\":\"{parsed.Id}\"}}");
        });
        using var host = new RuntimeTestHost("parse", RuntimeTestHost.CatalogWith(handler),
            new RuntimeInvocation("req-bad", malformed), new RuntimeInvocation("req-json", "{not json"), new RuntimeInvocation("req-good", SpotWarning));

        int exitCode = await host.RunAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal(["error:req-bad", "error:req-json", "response:req-good"], host.Client.Reports);
        Assert.Equal("detail.instance-id is missing", host.Client.Errors[0].Error.ErrorMessage);
        Assert.Equal("EventParseException", host.Client.Errors[0].Error.ErrorType);
        Assert.StartsWith("event is not valid JSON", host.Client.Errors[1].Error.ErrorMessage, StringComparison.Ordinal);
        using JsonDocument response = JsonDocument.Parse(host.Client.Responses[0].Body);
        Assert.Equal("no-op", response.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("bogus", "handler \"bogus\" is not a MaxGroup handler; valid handlers: dispatcher, replace")]
    [InlineData(null, "no handler name given; valid handlers: dispatcher, replace")]
    public async Task RunAsync_UnknownHandler_PostsInitErrorNamingValidHandlersAndExitsNonZero(string? name, string expected)
    {
        var catalog = new HandlerCatalog()
            .Register(HandlerNames.Dispatcher, () => new DelegateHandler(HandlerNames.Dispatcher, (_, _, _) => Task.FromResult("{}")))
            .Register(HandlerNames.Replace, () => new DelegateHandler(HandlerNames.Replace, (_, _, _) => Task.FromResult("{}")));
        using var host = new RuntimeTestHost(name, catalog, new RuntimeInvocation("req-1", SpotWarning));

        int exitCode = await host.RunAsync();

        Assert.NotEqual(0, exitCode);
        RuntimeError error = Assert.Single(host.Client.InitErrors);
        Assert.Equal(LambdaBootstrap.UnknownHandlerErrorType, error.ErrorType);
        Assert.Equal($"_HANDLER: {expected}", error.ErrorMessage);
        Assert.Equal(0, host.Client.NextCalls);
    }

    [Fact]
    public async Task RunAsync_KnownButUnregisteredHandler_SaysNotAvailableYet()
    {
        var catalog = new HandlerCatalog().Register(HandlerNames.Dispatcher, () => new DelegateHandler(HandlerNames.Dispatcher, (_, _, _) => Task.FromResult("{}")));
        using var host = new RuntimeTestHost(HandlerNames.Drain, catalog);

        int exitCode = await host.RunAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains("\"drain\" is not available in this build yet; valid handlers: dispatcher", Assert.Single(host.Client.InitErrors).ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HandlerFactoryThrows_PostsInitError()
    {
        var catalog = new HandlerCatalog().Register("broken", () => throw new InvalidOperationException("MAXGROUP_CONFIG_BUCKET is not set"));
        using var host = new RuntimeTestHost("broken", catalog);

        int exitCode = await host.RunAsync();

        Assert.NotEqual(0, exitCode);
        RuntimeError error = Assert.Single(host.Client.InitErrors);
        Assert.Equal(LambdaBootstrap.HandlerInitErrorType, error.ErrorType);
        Assert.Contains("MAXGROUP_CONFIG_BUCKET is not set", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Invocations_GetContextFromHeadersAndColdStartOnlyFirst()
    {
        string? traceSeenByHandler = null;
        FakeEnvironment? environment = null;
        var handler = new DelegateHandler("ctx", (_, _, _) =>
        {
            traceSeenByHandler = environment!.Get(LambdaEnvironment.TraceId);
            return Task.FromResult("{}");
        });
        var first = new RuntimeInvocation("req-1", "{}")
        {
            InvokedFunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:maxgroup-dispatcher",
            TraceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            DeadlineMs = RuntimeTestHost.Start.AddSeconds(30).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var second = new RuntimeInvocation("req-2", "{}") { DeadlineMs = "5000" };
        using var host = new RuntimeTestHost("ctx", RuntimeTestHost.CatalogWith(handler), first, second);
        environment = host.Environment;
        host.Environment.Set(LambdaEnvironment.TraceId, "Root=stale");

        await host.RunAsync();

        Assert.Equal(2, handler.Contexts.Count);
        ILambdaContext c1 = handler.Contexts[0];
        Assert.Equal("req-1", c1.AwsRequestId);
        Assert.Equal(first.InvokedFunctionArn, c1.InvokedFunctionArn);
        Assert.Equal(first.TraceId, c1.TraceId);
        Assert.Equal("maxgroup-dispatcher", c1.FunctionName);
        Assert.Equal(256, c1.MemoryLimitInMB);
        Assert.True(c1.IsColdStart);
        Assert.Equal(TimeSpan.FromSeconds(30), c1.RemainingTime);
        Assert.False(handler.Contexts[1].IsColdStart);
        Assert.Equal(TimeSpan.FromSeconds(5), handler.Contexts[1].RemainingTime);
        // The second invocation had no trace header: the first one's trace must not leak into it.
        Assert.Null(traceSeenByHandler);
        Assert.Null(host.Environment.Get(LambdaEnvironment.TraceId));
    }

    [Fact]
    public async Task RunAsync_Invocation_SetsTraceVariableWhileHandlerRuns()
    {
        string? seen = null;
        FakeEnvironment? environment = null;
        var handler = new DelegateHandler("trace", (_, _, _) =>
        {
            seen = environment!.Get(LambdaEnvironment.TraceId);
            return Task.FromResult("{}");
        });
        using var host = new RuntimeTestHost("trace", RuntimeTestHost.CatalogWith(handler), new RuntimeInvocation("req-1", "{}") { TraceId = "Root=1-abc;Sampled=1" });
        environment = host.Environment;

        await host.RunAsync();

        Assert.Equal("Root=1-abc;Sampled=1", seen);
    }

    [Fact]
    public async Task RunAsync_Invocation_LogsPowertoolsKeysOfThatInvocation()
    {
        var handler = new DelegateHandler("log", (_, _, _) => Task.FromResult("{}"));
        using var host = new RuntimeTestHost("log", RuntimeTestHost.CatalogWith(handler),
            new RuntimeInvocation("req-1", "{}") { TraceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" },
            new RuntimeInvocation("req-2", "{}"));

        await host.RunAsync();

        var lines = host.LogLines().Where(l => l.TryGetProperty("function_request_id", out _)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("req-1", lines[0].GetProperty("function_request_id").GetString());
        Assert.Equal("1-5759e988-bd862e3fe1be46a994272793", lines[0].GetProperty("xray_trace_id").GetString());
        Assert.True(lines[0].GetProperty("cold_start").GetBoolean());
        Assert.Equal("req-2", lines[1].GetProperty("function_request_id").GetString());
        Assert.False(lines[1].GetProperty("cold_start").GetBoolean());
        Assert.All(lines, l => Assert.Equal("maxgroup", l.GetProperty("service").GetString()));
    }
}
