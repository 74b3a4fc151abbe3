using MaxGroup.Functions.Handlers;

namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>
/// The transformed template deployed into moto's CloudFormation (tools/sam/deploy_moto.py), then every created
/// resource read back through its own API: the stack a user gets from `sam deploy`, minus the real account.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class StackDeploymentTests(MotoFixture moto)
{
    /// <summary>
    /// Resource types moto 5.2.1's CloudFormation does not implement: it skips them (listing them with an empty
    /// logical id) and still completes the stack. They are checked by cfn-lint and by the template tests instead.
    /// If moto learns one, this test fails so the list shrinks deliberately.
    /// </summary>
    private static readonly HashSet<string> TypesMotoDoesNotCreate =
    [
        "AWS::Lambda::EventInvokeConfig",
        "AWS::SQS::QueuePolicy",
        "AWS::S3::BucketPolicy",
        // The alarms (issue 21): cfn-lint and NotificationTemplateTests check them.
        "AWS::CloudWatch::Alarm",
    ];

    private static readonly Dictionary<string, string> Handlers = new()
    {
        ["DispatcherFunction"] = HandlerNames.Dispatcher,
        ["ReplaceFunction"] = HandlerNames.Replace,
        ["VolumeFunction"] = HandlerNames.Volume,
        ["DrainFunction"] = HandlerNames.Drain,
        ["ConsulFunction"] = HandlerNames.Consul,
        ["PreactionFunction"] = HandlerNames.Preaction,
        ["LifecycleFunction"] = HandlerNames.Lifecycle,
        ["TrafficFunction"] = HandlerNames.Traffic,
    };

    private static readonly string[] CommonVariables =
        ["MAXGROUP_DRY_RUN", "MAXGROUP_K8S_CLUSTER_QPS", "MAXGROUP_LEDGER_TABLE", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_SERVICE_NAME"];

    private static readonly string[] DispatcherOnlyVariables =
    [
        "MAXGROUP_CONFIG_BUCKET", "MAXGROUP_CONFIG_PREFIX", "MAXGROUP_LEGACY_CONFIG_KEY",
        "MAXGROUP_FUNCTION_REPLACE", "MAXGROUP_FUNCTION_VOLUME", "MAXGROUP_FUNCTION_DRAIN", "MAXGROUP_FUNCTION_CONSUL",
        "MAXGROUP_MAX_IN_FLIGHT", "MAXGROUP_MAX_IN_FLIGHT_PER_GROUP", "MAXGROUP_SWEEP_WATCH_SECONDS",
        "MAXGROUP_FUNCTION_LIFECYCLE",
        "MAXGROUP_FUNCTION_TRAFFIC",
        // The Spot warning rule also targets the replace function; the dispatcher's begin is the fallback (issue 24).
        "MAXGROUP_REPLACE_TAKES_WARNINGS", "MAXGROUP_REPLACE_INTAKE_GRACE_MS",
    ];

    /// <summary>The replace function's own intake of a Spot warning (issue 24): the dispatcher's config, caps and the other steps' functions.</summary>
    private static readonly string[] ReplaceOnlyVariables =
    [
        "MAXGROUP_CONFIG_BUCKET", "MAXGROUP_CONFIG_PREFIX", "MAXGROUP_LEGACY_CONFIG_KEY",
        "MAXGROUP_FUNCTION_VOLUME", "MAXGROUP_FUNCTION_DRAIN", "MAXGROUP_FUNCTION_CONSUL", "MAXGROUP_FUNCTION_TRAFFIC",
        "MAXGROUP_MAX_IN_FLIGHT", "MAXGROUP_MAX_IN_FLIGHT_PER_GROUP",
    ];

    private static readonly string[] PreactionOnlyVariables =
    [
        "MAXGROUP_CONFIG_BUCKET", "MAXGROUP_CONFIG_PREFIX", "MAXGROUP_LEGACY_CONFIG_KEY",
        "MAXGROUP_PREACTION_TABLE", "MAXGROUP_PREACTION_BUCKET_THRESHOLD", "MAXGROUP_PREACTION_INTERVAL_MINUTES", "MAXGROUP_PREACTION_ADVISOR_SWAPS", "MAXGROUP_SPOT_ADVISOR_URL",
    ];

    [Fact]
    public async Task Deploy_DefaultParameters_CreatesEveryResourceMotoImplements()
    {
        await moto.ResetAsync();

        using JsonDocument report = await DeployAsync([]);
        JsonElement root = report.RootElement;

        Assert.Equal("CREATE_COMPLETE", root.GetProperty("stackStatus").GetString());
        var created = root.GetProperty("resources").EnumerateArray()
            .ToDictionary(r => r.GetProperty("logicalId").GetString()!, r => r.GetProperty("status").GetString());
        Assert.All(created, pair => Assert.Equal("CREATE_COMPLETE", pair.Value));

        var expected = root.GetProperty("templateResources").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        // The notification topic, its policy and rule exist only with NotificationEmail or NotificationTopicArn
        // (NotificationTemplateTests deploys them).
        string[] offByDefault = ["HandoverNotificationsRule", "NotificationTopic", "NotificationTopicPolicy"];
        Assert.All(offByDefault, id => Assert.False(created.ContainsKey(id), id));
        var notCreated = expected.Where(pair => !created.ContainsKey(pair.Key) && !offByDefault.Contains(pair.Key)).ToList();
        Assert.All(notCreated, pair => Assert.Contains(pair.Value, TypesMotoDoesNotCreate));
        Assert.Equal(TypesMotoDoesNotCreate.Order(), notCreated.Select(pair => pair.Value).Distinct().Order());
        // moto lists a resource whose condition is false with an empty logical id too.
        Assert.Equal(notCreated.Count + offByDefault.Length, root.GetProperty("unnamedResources").GetInt32());
        Assert.Equal(expected.Count - notCreated.Count - offByDefault.Length, created.Count);
    }

    [Fact]
    public async Task Deploy_DefaultParameters_FunctionsMatchTheHandlerAndEnvironmentContract()
    {
        await moto.ResetAsync();

        using JsonDocument report = await DeployAsync([]);
        JsonElement functions = report.RootElement.GetProperty("functions");
        JsonElement outputs = report.RootElement.GetProperty("outputs");

        Assert.Equal(Handlers.Keys.Order(), functions.EnumerateObject().Select(p => p.Name).Order());
        foreach ((string logicalId, string handler) in Handlers)
        {
            JsonElement function = functions.GetProperty(logicalId);
            Assert.Equal(handler, function.GetProperty("handler").GetString());
            Assert.Equal("provided.al2023", function.GetProperty("runtime").GetString());
            Assert.Equal(["x86_64"], function.GetProperty("architectures").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal($"maxgroup-{handler}", function.GetProperty("functionName").GetString());
            Assert.Empty(function.GetProperty("vpcSubnetIds").EnumerateArray());

            string[] expectedVariables = logicalId switch
            {
                "DispatcherFunction" => [.. CommonVariables, .. DispatcherOnlyVariables],
                "PreactionFunction" => [.. CommonVariables, .. PreactionOnlyVariables],
                "ReplaceFunction" => [.. CommonVariables, .. ReplaceOnlyVariables],
                _ => CommonVariables,
            };
            Dictionary<string, string> environment = Variables(function);
            Assert.Equal(expectedVariables.Order(), environment.Keys.Order());
            Assert.Equal("false", environment["MAXGROUP_DRY_RUN"]);
            Assert.Equal("50", environment["MAXGROUP_K8S_CLUSTER_QPS"]);
            Assert.Equal("Information", environment["POWERTOOLS_LOG_LEVEL"]);
            Assert.Equal(outputs.GetProperty("LedgerTableName").GetString(), environment["MAXGROUP_LEDGER_TABLE"]);
        }

        // Timeouts: the dispatcher routes, and its sweep watches open hand-overs for MAXGROUP_SWEEP_WATCH_SECONDS (50)
        // with room to answer; remediation steps need the whole 120 s window plus margin.
        Assert.Equal(60, functions.GetProperty("DispatcherFunction").GetProperty("timeout").GetInt32());
        Assert.All(
            ["ReplaceFunction", "VolumeFunction", "DrainFunction", "ConsulFunction"],
            id => Assert.InRange(functions.GetProperty(id).GetProperty("timeout").GetInt32(), 130, 300));

        Dictionary<string, string> dispatcher = Variables(functions.GetProperty("DispatcherFunction"));
        Assert.Equal("maxgroup-replace", dispatcher["MAXGROUP_FUNCTION_REPLACE"]);
        Assert.Equal("maxgroup-volume", dispatcher["MAXGROUP_FUNCTION_VOLUME"]);
        Assert.Equal("maxgroup-drain", dispatcher["MAXGROUP_FUNCTION_DRAIN"]);
        Assert.Equal("maxgroup-consul", dispatcher["MAXGROUP_FUNCTION_CONSUL"]);
        Assert.Equal("maxgroup-lifecycle", dispatcher["MAXGROUP_FUNCTION_LIFECYCLE"]);
        Assert.Equal("maxgroup-traffic", dispatcher["MAXGROUP_FUNCTION_TRAFFIC"]);
        Assert.Equal("groups/", dispatcher["MAXGROUP_CONFIG_PREFIX"]);
        Assert.Equal("service_config.json", dispatcher["MAXGROUP_LEGACY_CONFIG_KEY"]);
        Assert.Equal(outputs.GetProperty("ConfigBucket").GetString(), dispatcher["MAXGROUP_CONFIG_BUCKET"]);
        Assert.Equal("50", dispatcher["MAXGROUP_MAX_IN_FLIGHT"]);
        Assert.Equal("10", dispatcher["MAXGROUP_MAX_IN_FLIGHT_PER_GROUP"]);
        // Below the dispatcher's 60 s timeout and the sweep schedule's minute: one sweep watches at a time, mostly.
        Assert.Equal("50", dispatcher["MAXGROUP_SWEEP_WATCH_SECONDS"]);
        Assert.Equal("true", dispatcher["MAXGROUP_REPLACE_TAKES_WARNINGS"]);
        Assert.Equal("2000", dispatcher["MAXGROUP_REPLACE_INTAKE_GRACE_MS"]);
        // The replace function begins with the dispatcher's caps and config, or the two would disagree on a begin.
        Dictionary<string, string> replace = Variables(functions.GetProperty("ReplaceFunction"));
        Assert.All(
            ["MAXGROUP_MAX_IN_FLIGHT", "MAXGROUP_MAX_IN_FLIGHT_PER_GROUP", "MAXGROUP_CONFIG_BUCKET", "MAXGROUP_CONFIG_PREFIX", "MAXGROUP_LEGACY_CONFIG_KEY",
             "MAXGROUP_FUNCTION_VOLUME", "MAXGROUP_FUNCTION_DRAIN", "MAXGROUP_FUNCTION_CONSUL", "MAXGROUP_FUNCTION_TRAFFIC"],
            name => Assert.Equal(dispatcher[name], replace[name]));
    }

    [Fact]
    public async Task Deploy_DefaultParameters_RulesLedgerLogsAndQueueAreAsDocumented()
    {
        await moto.ResetAsync();

        using JsonDocument report = await DeployAsync([]);
        JsonElement root = report.RootElement;
        string dispatcherArn = root.GetProperty("outputs").GetProperty("DispatcherFunctionArn").GetString()!;
        string preactionArn = root.GetProperty("outputs").GetProperty("PreactionFunctionArn").GetString()!;

        JsonElement rules = root.GetProperty("rules");
        Assert.Equal(
            ["DispatcherFunctionCapacityReservationInterruptionWarning", "DispatcherFunctionGroupLaunchSuccessful", "DispatcherFunctionGroupLaunchUnsuccessful",
             "DispatcherFunctionHealthScheduledChange", "DispatcherFunctionInstanceStateChange", "DispatcherFunctionRebalanceRecommendation",
             "DispatcherFunctionSpotInterruptionWarning", "DispatcherFunctionTerminateLifecycleAction", "DispatcherFunctionUnwarnedStateChange",
             "DispatcherFunctionVolumeSweep",
             "PreactionFunctionPreactionSchedule", "ReplaceFunctionSpotInterruptionWarning"],
            rules.EnumerateObject().Select(p => p.Name).Order());
        string replaceArn = root.GetProperty("outputs").GetProperty("ReplaceFunctionArn").GetString()!;
        foreach (JsonProperty rule in rules.EnumerateObject())
        {
            string target = rule.Name == "PreactionFunctionPreactionSchedule" ? preactionArn
                : rule.Name == "ReplaceFunctionSpotInterruptionWarning" ? replaceArn
                : dispatcherArn;
            Assert.Equal([target], rule.Value.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
            // The preaction schedule is on by default for the swap back to Spot (SpotRevert=true); advisor swaps stay off.
            string expectedState = rule.Name is "DispatcherFunctionRebalanceRecommendation" ? "DISABLED" : "ENABLED";
            Assert.Equal(expectedState, rule.Value.GetProperty("state").GetString());
        }

        Assert.Equal("rate(1 minute)", rules.GetProperty("DispatcherFunctionVolumeSweep").GetProperty("scheduleExpression").GetString());
        Assert.Equal("rate(20 minutes)", rules.GetProperty("PreactionFunctionPreactionSchedule").GetProperty("scheduleExpression").GetString());

        JsonElement ledger = root.GetProperty("tables").GetProperty("LedgerTable");
        Assert.Equal("PAY_PER_REQUEST", ledger.GetProperty("billingMode").GetString());
        Assert.Equal("HASH", ledger.GetProperty("keySchema").GetProperty("instance_id").GetString());
        Assert.Single(ledger.GetProperty("keySchema").EnumerateObject());

        JsonElement logGroups = root.GetProperty("logGroups");
        Assert.Equal(8, logGroups.EnumerateObject().Count());
        Assert.All(logGroups.EnumerateObject(), group => Assert.Equal(30, group.Value.GetProperty("retentionInDays").GetInt32()));
        Assert.Contains(logGroups.EnumerateObject(), g => g.Value.GetProperty("name").GetString() == "/aws/lambda/maxgroup-dispatcher");

        JsonElement queue = root.GetProperty("queues").GetProperty("FailureQueue");
        Assert.Equal("true", queue.GetProperty("SqsManagedSseEnabled").GetString());
        Assert.Equal(root.GetProperty("outputs").GetProperty("FailureQueueArn").GetString(), queue.GetProperty("QueueArn").GetString());
    }

    [Fact]
    public async Task Deploy_ExistingBucketVpcAndRebalance_UsesThemAndCreatesNoBucket()
    {
        await moto.ResetAsync();

        using JsonDocument report = await DeployAsync(
        [
            "ConfigBucketName=team-maxgroup-configs",
            "VpcSubnetIds=subnet-0a1b2c3d,subnet-1a2b3c4d",
            "VpcSecurityGroupIds=sg-0123abcd",
            "HandleRebalance=true",
            "LogRetentionInDays=90",
        ]);
        JsonElement root = report.RootElement;

        Assert.Equal("CREATE_COMPLETE", root.GetProperty("stackStatus").GetString());
        Assert.DoesNotContain(root.GetProperty("resources").EnumerateArray(), r => r.GetProperty("type").GetString() == "AWS::S3::Bucket");
        Assert.Equal("team-maxgroup-configs", root.GetProperty("outputs").GetProperty("ConfigBucket").GetString());

        JsonElement functions = root.GetProperty("functions");
        Assert.Equal("team-maxgroup-configs", Variables(functions.GetProperty("DispatcherFunction"))["MAXGROUP_CONFIG_BUCKET"]);
        // Only the functions that must reach into the VPC (Consul agents, private EKS endpoints) are placed in it.
        foreach ((string logicalId, _) in Handlers)
        {
            string[] subnets = [.. functions.GetProperty(logicalId).GetProperty("vpcSubnetIds").EnumerateArray().Select(s => s.GetString()!)];
            string[] expected = logicalId is "DrainFunction" or "ConsulFunction" or "PreactionFunction" ? ["subnet-0a1b2c3d", "subnet-1a2b3c4d"] : [];
            Assert.Equal(expected, subnets);
        }

        Assert.Equal("ENABLED", root.GetProperty("rules").GetProperty("DispatcherFunctionRebalanceRecommendation").GetProperty("state").GetString());
        Assert.All(root.GetProperty("logGroups").EnumerateObject(), g => Assert.Equal(90, g.Value.GetProperty("retentionInDays").GetInt32()));
    }

    private Task<JsonDocument> DeployAsync(string[] parameters) => DeployAsync(moto, parameters);

    /// <summary>Deploys the transformed template into <paramref name="moto"/> with <paramref name="parameters"/> (Key=Value) and answers deploy_moto.py's report.</summary>
    internal static async Task<JsonDocument> DeployAsync(MotoFixture moto, string[] parameters)
    {
        string template = await TransformedTemplate.PathAsync();
        List<string> arguments = [RepositoryPaths.Tool("deploy_moto.py"), "--endpoint", moto.Endpoint, "--template", template, "--stack-name", "maxgroup"];
        foreach (string parameter in parameters)
        {
            arguments.Add("--parameter");
            arguments.Add(parameter);
        }

        ToolResult result = await ToolProcess.RunAsync("python3", arguments, TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.StandardOutput);
    }

    private static Dictionary<string, string> Variables(JsonElement function) =>
        function.GetProperty("environment").EnumerateObject().ToDictionary(
            p => p.Name,
            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
}
