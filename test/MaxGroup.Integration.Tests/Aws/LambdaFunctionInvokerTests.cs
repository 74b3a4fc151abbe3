using MaxGroup.Aws.Lambda;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>The IFunctionInvoker adapter: the right function, asynchronously, with a payload the handler can read back.</summary>
public sealed class LambdaFunctionInvokerTests
{
    private static readonly RemediationRequest Request = new()
    {
        Step = StepNames.Volume,
        EventId = "7e3c1f2a-0000-4000-8000-000000000001",
        InstanceAction = "terminate",
        WarningTime = new DateTimeOffset(2026, 11, 24, 22, 0, 0, TimeSpan.Zero),
        ReclaimAt = new DateTimeOffset(2026, 11, 24, 22, 2, 0, TimeSpan.Zero),
        Instance = new InstanceFacts
        {
            InstanceId = "i-0123456789abcdef0",
            GroupName = "web",
            AvailabilityZone = "us-east-1a",
            InstanceType = "m5.large",
            Lifecycle = "spot",
            State = "running",
            LaunchTemplate = new LaunchTemplateRef("lt-1", "web", "$Default"),
            BlockDevices = [new BlockDeviceFact("/dev/sdf", "vol-1", false, "attached")],
            Tags = new Dictionary<string, string> { ["team"] = "payments" },
        },
        Config = new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf", ReplacementStrategy = ReplacementStrategy.Launch, AlternativeInstanceTypes = ["m5a.large"] },
        DryRun = true,
        SuccessorInstanceId = "i-0fedcba9876543210",
    };

    [Fact]
    public async Task StartAsync_VolumeStep_InvokesConfiguredFunctionWithReadablePayload()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(202, "", "application/json"));
        IReadOnlyDictionary<string, string> names = LambdaFunctionInvoker.FunctionNamesFromEnvironment(
            name => name == "MAXGROUP_FUNCTION_VOLUME" ? "arn:aws:lambda:us-east-1:123456789012:function:prod-volume" : null);
        var invoker = new LambdaFunctionInvoker(new LambdaInvokeClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.Lambda)), names);

        await invoker.StartAsync(Request, CancellationToken.None);

        RecordedRequest sent = Assert.Single(server.Requests);
        Assert.Equal("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aprod-volume/invocations", sent.RawTarget);
        Assert.Equal("Event", sent.Headers["X-Amz-Invocation-Type"]);
        RemediationRequest? received = JsonSerializer.Deserialize(sent.Body, RemediationJsonContext.Default.RemediationRequest);
        Assert.NotNull(received);
        Assert.Equal((Request.Step, Request.EventId, Request.WarningTime, Request.ReclaimAt, Request.DryRun, Request.SuccessorInstanceId),
            (received.Step, received.EventId, received.WarningTime, received.ReclaimAt, received.DryRun, received.SuccessorInstanceId));
        Assert.Equal(Request.Instance.LaunchTemplate, received.Instance.LaunchTemplate);
        Assert.Equal(Request.Instance.BlockDevices, received.Instance.BlockDevices);
        Assert.Equal("payments", received.Instance.Tags["team"]);
        Assert.Equal((ReplacementStrategy.Launch, "/dev/sdf"), (received.Config.ReplacementStrategy, received.Config.PersistenceDev));
        Assert.Equal(["m5a.large"], received.Config.AlternativeInstanceTypes);
        Assert.Contains("\"replacementStrategy\":\"Launch\"", sent.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionNamesFromEnvironment_NothingSet_DefaultsToMaxgroupStep()
    {
        IReadOnlyDictionary<string, string> names = LambdaFunctionInvoker.FunctionNamesFromEnvironment(_ => null);

        Assert.Equal(
            new Dictionary<string, string> { ["replace"] = "maxgroup-replace", ["volume"] = "maxgroup-volume", ["drain"] = "maxgroup-drain", ["consul"] = "maxgroup-consul", ["lifecycle"] = "maxgroup-lifecycle", ["traffic"] = "maxgroup-traffic" },
            names);
    }

    [Fact]
    public async Task StartAsync_StepWithoutFunction_ThrowsBeforeCalling()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(202, ""));
        var invoker = new LambdaFunctionInvoker(
            new LambdaInvokeClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.Lambda)),
            new Dictionary<string, string> { ["replace"] = "maxgroup-replace" });

        await Assert.ThrowsAsync<InvalidOperationException>(() => invoker.StartAsync(Request, CancellationToken.None));

        Assert.Empty(server.Requests);
    }
}
