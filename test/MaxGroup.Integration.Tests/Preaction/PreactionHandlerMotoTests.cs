using Amazon.EC2.Model;
using MaxGroup.Aws.Preaction;
using MaxGroup.Functions.Handlers;
using MaxGroup.Integration.Tests.Dispatch;
using MaxGroup.Integration.Tests.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Preaction;

/// <summary>
/// The `preaction` handler as Lambda builds it (catalog, composition root, environment variables) against moto, an
/// S3 group config and the trimmed advisor file served from a loopback server: the wiring, end to end.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class PreactionHandlerMotoTests(MotoFixture moto)
{
    private const string Group = "web";

    [Fact]
    public void Catalog_Default_ServesPreaction()
    {
        Assert.Contains(HandlerNames.Preaction, HandlerCatalog.CreateDefault(TestFunctionServices.Create()).Names);
    }

    [Theory]
    [InlineData("""{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","detail":{}}""", false, new string[0])]
    [InlineData("""{"dryRun": true, "groups": ["web", "api"]}""", true, new[] { "web", "api" })]
    [InlineData("", false, new string[0])]
    public void ReadInput_ScheduledEventOrManualInvocation_FullRunOrDryRun(string input, bool dryRun, string[] groups)
    {
        (bool readDryRun, IReadOnlyList<string> readGroups) = PreactionHandler.ReadInput(input);

        Assert.Equal(dryRun, readDryRun);
        Assert.Equal(groups, readGroups);
    }

    [Fact]
    public async Task Handle_DryRunThenScheduledRun_PlansThenStartsABatchThroughTheCompositionRoot()
    {
        await moto.ResetAsync();
        byte[] advisor = SpotAdvisorSnapshot.ReadBytes();
        await using AdvisorServer server = await AdvisorServer.StartAsync((_, context) => AdvisorServer.ServeAsync(context, advisor));
        string bucket = await SetUpAsync();
        var environment = new FakeEnvironment(
            ("AWS_REGION", MotoFixture.Region),
            (AwsEnvironment.GlobalEndpointVariable, moto.Endpoint),
            ("MAXGROUP_CONFIG_BUCKET", bucket),
            (DynamoDbPreactionBatchStore.TableVariable, "preaction-test"),
            (HttpSpotAdvisorSource.UrlVariable, server.Url.ToString()));
        var logs = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Information, TimeProvider.System, new LogSink(Stream.Null)));
        var services = new FunctionServices(environment, TimeProvider.System, logs, NullMetrics.Instance, InvocationOptions.Lambda);
        IFunctionHandler handler = HandlerCatalog.CreateDefault(services).Create(HandlerNames.Preaction);

        using JsonDocument planned = JsonDocument.Parse(await handler.HandleAsync("""{"dryRun": true}""", new TestLambdaContext(), CancellationToken.None));
        JsonElement plannedGroup = Assert.Single(planned.RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal("planned", plannedGroup.GetProperty("status").GetString());
        JsonElement swap = Assert.Single(plannedGroup.GetProperty("plan").GetProperty("swaps").EnumerateArray());
        Assert.Equal("m5.large", swap.GetProperty("newType").GetString());
        Assert.Equal(1, server.RequestCount);

        using JsonDocument started = JsonDocument.Parse(await handler.HandleAsync(
            """{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","detail":{}}""", new TestLambdaContext(), CancellationToken.None));
        JsonElement startedGroup = Assert.Single(started.RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal("started", startedGroup.GetProperty("status").GetString());
        Assert.Equal("Attached", startedGroup.GetProperty("batch").GetProperty("swaps")[0].GetProperty("phase").GetString());
        // Cached for the execution environment: the second run did not download again.
        Assert.Equal(1, server.RequestCount);
    }

    private async Task<string> SetUpAsync()
    {
        using AwsClientFactory factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        await factory.DynamoDb.CreateTableAsync(DynamoDbPreactionBatchStore.Definition("preaction-test"));
        await new MotoScene(factory).LaunchTemplateAsync("lt-web", "c5.large");
        string subnet = (await new MotoScene(factory).DefaultSubnetIdsAsync())[0];
        await new MotoScene(factory).GroupAsync(Group, "lt-web", min: 0, max: 4, desired: 0);
        RunInstancesResponse launched = await factory.Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = "lt-web", Version = "$Default" },
            SubnetId = subnet,
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = Amazon.EC2.MarketType.Spot },
        });
        await factory.AutoScaling.AttachInstancesAsync(Group, [launched.Reservation.Instances[0].InstanceId], CancellationToken.None);
        string bucket = "maxgroup-preaction-" + Guid.NewGuid().ToString("N")[..8];
        await factory.S3.PutBucketAsync(bucket);
        await factory.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = bucket,
            Key = "groups/web.json",
            ContentBody = """{"is_enable_preaction": true, "max_num_of_terminated_one_time": 1, "preaction_detach_delay_seconds": 600, "alt1": "m5.large"}""",
            ContentType = "application/json",
        });
        return bucket;
    }
}
