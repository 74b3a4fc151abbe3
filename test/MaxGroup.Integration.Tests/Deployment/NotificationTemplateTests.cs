namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>
/// The notification part of the template (issue 21): the topic, the rule with its input transformer, the alarms and the
/// dashboard, in the transformed template and deployed into moto's CloudFormation. moto 5.2.1's CloudFormation skips
/// AWS::CloudWatch::Alarm (their shape is checked here on the transformed template and by cfn-lint), and its EventBridge
/// cannot deliver to an SNS target, so the rule's input transformer is rendered by moto through an SQS target instead.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class NotificationTemplateTests(MotoFixture moto)
{
    private static readonly string[] Functions = ["DispatcherFunction", "ReplaceFunction", "VolumeFunction", "DrainFunction", "ConsulFunction", "PreactionFunction", "LifecycleFunction", "TrafficFunction"];

    [Fact]
    public async Task Alarms_TransformedTemplate_WatchTheDocumentedSignalsAndNotifyTheTopicWhenGiven()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();
        Dictionary<string, JsonElement> alarms = resources.EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() == "AWS::CloudWatch::Alarm")
            .ToDictionary(r => r.Name, r => r.Value.GetProperty("Properties"));

        Assert.Equal(
            ["ConfigInvalidAlarm", "DeadlineMissesAlarm", "FailureQueueDepthAlarm", "FunctionErrorsAlarm", "FunctionThrottlesAlarm", "StepFailuresAlarm"],
            alarms.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("ApproximateNumberOfMessagesVisible", alarms["FailureQueueDepthAlarm"].GetProperty("MetricName").GetString());
        Assert.Equal("FailureQueue", alarms["FailureQueueDepthAlarm"].GetProperty("Dimensions")[0].GetProperty("Value").GetProperty("Fn::GetAtt")[0].GetString());
        Assert.Contains("SUM(StepOutcomes)", Query(alarms["StepFailuresAlarm"]), StringComparison.Ordinal);
        Assert.Contains("WHERE Status = 'failed'", Query(alarms["StepFailuresAlarm"]), StringComparison.Ordinal);
        Assert.Contains("SUM(DeadlineMisses)", Query(alarms["DeadlineMissesAlarm"]), StringComparison.Ordinal);
        Assert.Contains("SUM(ConfigInvalid)", Query(alarms["ConfigInvalidAlarm"]), StringComparison.Ordinal);
        foreach ((string alarm, string metric) in new[] { ("FunctionErrorsAlarm", "Errors"), ("FunctionThrottlesAlarm", "Throttles") })
        {
            JsonElement[] stats = [.. alarms[alarm].GetProperty("Metrics").EnumerateArray().Where(m => m.TryGetProperty("MetricStat", out _))];
            Assert.All(stats, m => Assert.Equal(metric, m.GetProperty("MetricStat").GetProperty("Metric").GetProperty("MetricName").GetString()));
            Assert.Equal(Functions.Order(), stats.Select(m => m.GetProperty("MetricStat").GetProperty("Metric").GetProperty("Dimensions")[0].GetProperty("Value").GetProperty("Ref").GetString()!).Order());
        }

        Assert.All(alarms.Values, a =>
        {
            Assert.Equal(0, a.GetProperty("Threshold").GetDouble());
            Assert.Equal("notBreaching", a.GetProperty("TreatMissingData").GetString());
            Assert.Equal("HasNotificationTarget", a.GetProperty("AlarmActions").GetProperty("Fn::If")[0].GetString());
        });
    }

    [Fact]
    public async Task Deploy_DefaultParameters_DashboardButNoTopicAndNoNotificationRule()
    {
        await moto.ResetAsync();

        using JsonDocument report = await StackDeploymentTests.DeployAsync(moto, []);
        JsonElement root = report.RootElement;

        Assert.Empty(root.GetProperty("topics").EnumerateObject());
        Assert.False(root.GetProperty("rules").TryGetProperty("HandoverNotificationsRule", out _));
        JsonElement dashboard = root.GetProperty("dashboards").GetProperty("OperationsDashboard");
        Assert.Equal("maxgroup-handovers", dashboard.GetProperty("name").GetString());
        string[] titles = [.. dashboard.GetProperty("body").GetProperty("widgets").EnumerateArray().Select(w => w.GetProperty("properties").GetProperty("title").GetString()!)];
        Assert.Equal(8, titles.Length);
        string body = dashboard.GetProperty("body").GetRawText();
        foreach (string metric in new[] { "HandoverDuration", "ReactionLatency", "StepOutcomes", "DeadlineMisses", "SuccessorLeadTime", "VolumeMoveTime", "DrainDuration" })
        {
            Assert.Contains(metric, body, StringComparison.Ordinal);
        }

        Assert.Contains("'p99'", body, StringComparison.Ordinal);
        Assert.DoesNotContain("${", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_NotificationEmail_TopicWithTheSubscriptionAndARuleForFailuresOnly()
    {
        await moto.ResetAsync();

        using JsonDocument report = await StackDeploymentTests.DeployAsync(moto, ["NotificationEmail=ops@example.com"]);
        JsonElement root = report.RootElement;

        Assert.Equal("CREATE_COMPLETE", root.GetProperty("stackStatus").GetString());
        JsonElement topic = root.GetProperty("topics").GetProperty("NotificationTopic");
        JsonElement subscription = Assert.Single(topic.GetProperty("subscriptions").EnumerateArray());
        Assert.Equal(("email", "ops@example.com"), (subscription.GetProperty("protocol").GetString(), subscription.GetProperty("endpoint").GetString()));
        JsonElement rule = root.GetProperty("rules").GetProperty("HandoverNotificationsRule");
        Assert.Equal([topic.GetProperty("topicArn").GetString()], rule.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["maxgroup"], rule.GetProperty("eventPattern").GetProperty("source").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(
            [HandoverEventTypes.DeadlineMissed, HandoverEventTypes.Failed],
            rule.GetProperty("eventPattern").GetProperty("detail-type").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(topic.GetProperty("topicArn").GetString(), root.GetProperty("outputs").GetProperty("NotificationTopicArnInUse").GetString());
    }

    [Fact]
    public async Task Deploy_ExistingTopicAndEveryHandover_NoTopicCreatedAndTheRuleMatchesAllFour()
    {
        await moto.ResetAsync();
        const string Topic = "arn:aws:sns:us-east-1:123456789012:team-alerts";

        using JsonDocument report = await StackDeploymentTests.DeployAsync(moto, [$"NotificationTopicArn={Topic}", "NotifyEveryHandover=true", "NotificationEmail=ignored@example.com"]);
        JsonElement root = report.RootElement;

        Assert.Empty(root.GetProperty("topics").EnumerateObject());
        JsonElement rule = root.GetProperty("rules").GetProperty("HandoverNotificationsRule");
        Assert.Equal([Topic], rule.GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(HandoverEventTypes.All.Order(StringComparer.Ordinal), rule.GetProperty("eventPattern").GetProperty("detail-type").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task InputTransformer_FailedHandoverEvent_RendersOneReadableLine()
    {
        await moto.ResetAsync();
        JsonElement resources = await TransformedTemplate.ResourcesAsync();
        JsonElement transformer = resources.GetProperty("HandoverNotificationsRule").GetProperty("Properties").GetProperty("Targets")[0].GetProperty("InputTransformer");
        using AwsClientFactory aws = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        using MotoEventBus bus = await MotoEventBus.RouteToQueueAsync(aws, AwsTestClients.TestCredentials, """{"source":["maxgroup"]}""", transformer);
        var summary = new HandoverSummary
        {
            InstanceId = "i-0123456789abcdef0",
            GroupName = "web",
            Trigger = "warning",
            Status = "done",
            WarningTime = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero),
            ReclaimAt = new DateTimeOffset(2026, 12, 2, 8, 2, 0, TimeSpan.Zero),
            SuccessorInstanceId = "i-0fedcba9876543210",
            Steps = [new StepSummary("replace", "failed", "no capacity", null, null)],
        };

        await new MaxGroup.Aws.Events.EventBridgeHandoverEvents(aws.Events, TimeProvider.System).PublishAsync(HandoverEventTypes.Failed, summary, CancellationToken.None);
        JsonElement message = Assert.Single(await bus.ReceiveAsync(e => e.Count >= 1, TimeSpan.FromSeconds(10)));

        Assert.Equal(JsonValueKind.String, message.ValueKind);
        Assert.Equal(
            "MaxGroup Hand-over Failed: instance i-0123456789abcdef0 of group web (trigger warning, reclaimed at 2026-12-02T08:02:00+00:00), successor "
            + "i-0fedcba9876543210. Every step's status and reason: maxgroup history --instance i-0123456789abcdef0",
            message.GetString());
    }

    private static string Query(JsonElement alarm) => alarm.GetProperty("Metrics")[0].GetProperty("Expression").GetString()!;
}
