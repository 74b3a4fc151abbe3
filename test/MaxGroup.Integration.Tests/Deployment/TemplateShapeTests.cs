namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>
/// Settings of the transformed template that moto cannot show (it does not implement
/// AWS::Lambda::EventInvokeConfig, and ignores TTL, point-in-time recovery and bucket hardening on create).
/// </summary>
public sealed class TemplateShapeTests
{
    private static readonly string[] Remediations = ["ReplaceFunction", "VolumeFunction", "DrainFunction", "ConsulFunction", "TrafficFunction"];

    [Fact]
    public async Task AsyncInvocation_RemediationFunctions_RetryOnceAndReportFailuresToTheQueue()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        foreach (string function in Remediations)
        {
            JsonElement config = InvokeConfig(resources, function);
            // A run that died is delivered once more, a minute later; the step's lease decides whether it takes over.
            Assert.Equal(1, config.GetProperty("MaximumRetryAttempts").GetInt32());
            Assert.InRange(config.GetProperty("MaximumEventAgeInSeconds").GetInt32(), 60, 120);
            AssertFailureQueue(config);
        }
    }

    [Fact]
    public async Task AsyncInvocation_Dispatcher_RetriesOnceAndIsNeverThrottledByReservedConcurrency()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        JsonElement config = InvokeConfig(resources, "DispatcherFunction");
        Assert.Equal(1, config.GetProperty("MaximumRetryAttempts").GetInt32());
        Assert.InRange(config.GetProperty("MaximumEventAgeInSeconds").GetInt32(), 60, 120);
        AssertFailureQueue(config);
        Assert.False(resources.GetProperty("DispatcherFunction").GetProperty("Properties").TryGetProperty("ReservedConcurrentExecutions", out _));
    }

    [Fact]
    public async Task Rules_EveryEventBridgeTarget_HasADeadLetterQueue()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        // The notification rule (issue 21) targets the topic, not a function: NotificationTemplateTests check it.
        JsonProperty[] rules = [.. resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == "AWS::Events::Rule" && r.Name != "HandoverNotificationsRule")];
        // Nine event rules (GroupLaunchUnsuccessful, issue 19; HealthScheduledChange and UnwarnedStateChange, issue 20), the
        // replace function's Spot warning rule beside the dispatcher's (issue 24), the sweep and the preaction schedule.
        Assert.Equal(12, rules.Length);
        foreach (JsonProperty rule in rules)
        {
            JsonElement target = Assert.Single(rule.Value.GetProperty("Properties").GetProperty("Targets").EnumerateArray());
            Assert.Equal("FailureQueue", target.GetProperty("DeadLetterConfig").GetProperty("Arn").GetProperty("Fn::GetAtt")[0].GetString());
            string expectedTarget = rule.Name.StartsWith("PreactionFunction", StringComparison.Ordinal) ? "PreactionFunction"
                : rule.Name.StartsWith("ReplaceFunction", StringComparison.Ordinal) ? "ReplaceFunction"
                : "DispatcherFunction";
            Assert.Equal(expectedTarget, target.GetProperty("Arn").GetProperty("Fn::GetAtt")[0].GetString());
        }

        // The replace function takes Spot warnings only, with exactly the dispatcher's pattern for them.
        JsonProperty replaceRule = Assert.Single(rules, r => r.Name.StartsWith("ReplaceFunction", StringComparison.Ordinal));
        Assert.Equal("ReplaceFunctionSpotInterruptionWarning", replaceRule.Name);
        Assert.Equal(
            resources.GetProperty("DispatcherFunctionSpotInterruptionWarning").GetProperty("Properties").GetProperty("EventPattern").GetRawText(),
            replaceRule.Value.GetProperty("Properties").GetProperty("EventPattern").GetRawText());
    }

    [Fact]
    public async Task Ledger_Table_HasTtlPointInTimeRecoveryAndEncryption()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        JsonElement table = resources.GetProperty("LedgerTable").GetProperty("Properties");
        Assert.Equal("PAY_PER_REQUEST", table.GetProperty("BillingMode").GetString());
        Assert.Equal("instance_id", table.GetProperty("KeySchema")[0].GetProperty("AttributeName").GetString());
        Assert.Equal("expires_at", table.GetProperty("TimeToLiveSpecification").GetProperty("AttributeName").GetString());
        Assert.True(table.GetProperty("TimeToLiveSpecification").GetProperty("Enabled").GetBoolean());
        Assert.True(table.GetProperty("PointInTimeRecoverySpecification").GetProperty("PointInTimeRecoveryEnabled").GetBoolean());
        Assert.True(table.GetProperty("SSESpecification").GetProperty("SSEEnabled").GetBoolean());
    }

    [Fact]
    public async Task ConfigBucket_Created_IsVersionedPrivateEncryptedAndRetained()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        JsonElement bucket = resources.GetProperty("ConfigBucket");
        Assert.Equal("CreateConfigBucket", bucket.GetProperty("Condition").GetString());
        Assert.Equal("Retain", bucket.GetProperty("DeletionPolicy").GetString());
        JsonElement properties = bucket.GetProperty("Properties");
        Assert.Equal("Enabled", properties.GetProperty("VersioningConfiguration").GetProperty("Status").GetString());
        Assert.All(properties.GetProperty("PublicAccessBlockConfiguration").EnumerateObject(), p => Assert.True(p.Value.GetBoolean(), p.Name));
        Assert.True(properties.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration").GetArrayLength() > 0);
    }

    [Fact]
    public async Task VpcConfig_DrainAndConsul_IsOmittedWhenNoSubnetsAreGiven()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        foreach (JsonProperty function in resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == "AWS::Lambda::Function"))
        {
            bool hasVpc = function.Value.GetProperty("Properties").TryGetProperty("VpcConfig", out JsonElement vpc);
            Assert.Equal(function.Name is "DrainFunction" or "ConsulFunction" or "PreactionFunction", hasVpc);
            if (hasVpc)
            {
                JsonElement branches = vpc.GetProperty("Fn::If");
                Assert.Equal("HasVpc", branches[0].GetString());
                Assert.Equal("AWS::NoValue", branches[2].GetProperty("Ref").GetString());
            }
        }
    }

    [Fact]
    public async Task MemorySize_CriticalPathAndDrain_AsMeasuredInBenchmarksSection6()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        // Memory is CPU in Lambda: below 512 MB the dispatcher's and replace's cold starts (50-70 ms of CPU) take twice
        // as long on the 120 s path. The drain function waits on the API server and keeps 2x its peak RSS (72.5 MiB) at 256.
        Assert.Equal(512, MemorySize(resources, "DispatcherFunction"));
        Assert.Equal(512, MemorySize(resources, "ReplaceFunction"));
        Assert.Equal(256, MemorySize(resources, "DrainFunction"));
    }

    private static int MemorySize(JsonElement resources, string function) =>
        resources.GetProperty(function).GetProperty("Properties").GetProperty("MemorySize").GetInt32();

    private static JsonElement InvokeConfig(JsonElement resources, string function)
    {
        JsonElement config = resources.GetProperty($"{function}EventInvokeConfig");
        Assert.Equal("AWS::Lambda::EventInvokeConfig", config.GetProperty("Type").GetString());
        return config.GetProperty("Properties");
    }

    private static void AssertFailureQueue(JsonElement config) =>
        Assert.Equal(
            "FailureQueue",
            config.GetProperty("DestinationConfig").GetProperty("OnFailure").GetProperty("Destination").GetProperty("Fn::GetAtt")[0].GetString());
}
