using System.Text.Json.Nodes;

namespace MaxGroup.Core.Tests.Events;

public sealed class EventParserTests
{
    public static TheoryData<string> SampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in SampleEvents.ValidFiles())
        {
            data.Add(file);
        }

        return data;
    }

    [Fact]
    public void SampleEvents_Folder_HoldsEveryHandledDetailType()
    {
        var types = SampleEvents.ValidFiles().Select(f => EventParser.Parse(SampleEvents.Read(f)).DetailType).ToHashSet();

        Assert.Superset(
            new HashSet<string>
            {
                DetailTypes.SpotInterruptionWarning, DetailTypes.RebalanceRecommendation, DetailTypes.InstanceStateChange,
                DetailTypes.LaunchSuccessful, DetailTypes.LaunchUnsuccessful, DetailTypes.TerminateLifecycleAction, DetailTypes.Scheduled, DetailTypes.HealthEvent,
            },
            types);
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Parse_SampleEvent_KeepsEnvelope(string file)
    {
        JsonNode expected = JsonNode.Parse(SampleEvents.Read(file))!;

        MaxGroupEvent parsed = EventParser.Parse(SampleEvents.Read(file));

        Assert.Equal((string)expected["id"]!, parsed.Id);
        Assert.Equal((string)expected["detail-type"]!, parsed.DetailType);
        Assert.Equal(DateTimeOffset.Parse((string)expected["time"]!, System.Globalization.CultureInfo.InvariantCulture), parsed.Time);
    }

    [Fact]
    public void Parse_SpotWarning_ReadsInstanceActionAndZoneFromArn()
    {
        var parsed = Assert.IsType<MaxGroupEvent.SpotInterruption>(EventParser.Parse(SampleEvents.Read("ec2-spot-interruption-warning.json")));

        Assert.Equal("i-0b662ef9931388ba0", parsed.Event.Detail.InstanceId);
        Assert.Equal(InstanceAction.Terminate, parsed.Event.Detail.InstanceAction);
        Assert.Equal("us-east-1a", parsed.Event.Detail.AvailabilityZone);
        Assert.Equal("aws.ec2", parsed.Event.Source);
        Assert.Equal("123456789012", parsed.Event.Account);
        Assert.Equal("us-east-1", parsed.Event.Region);
    }

    [Theory]
    [InlineData("ec2-spot-interruption-warning.json", InstanceAction.Terminate)]
    [InlineData("ec2-spot-interruption-warning-stop.json", InstanceAction.Stop)]
    [InlineData("ec2-spot-interruption-warning-hibernate.json", InstanceAction.Hibernate)]
    public void Parse_SpotWarningAction_MapsEachDocumentedAction(string file, InstanceAction expected)
    {
        var parsed = Assert.IsType<MaxGroupEvent.SpotInterruption>(EventParser.Parse(SampleEvents.Read(file)));

        Assert.Equal(expected, parsed.Event.Detail.InstanceAction);
    }

    [Fact]
    public void Parse_SpotWarningWithRegionInArn_HasNoZone()
    {
        JsonNode node = Sample("ec2-spot-interruption-warning.json");
        node["resources"] = new JsonArray("arn:aws:ec2:us-east-1:123456789012:instance/i-0b662ef9931388ba0");

        var parsed = Assert.IsType<MaxGroupEvent.SpotInterruption>(EventParser.Parse(node.ToJsonString()));

        Assert.Null(parsed.Event.Detail.AvailabilityZone);
    }

    [Theory]
    [InlineData("arn:aws:ec2:us-east-2a:instance/i-0b662ef9931388ba0", "us-east-2a")]
    [InlineData("arn:aws:ec2:eu-central-1c:instance/i-0b662ef9931388ba0", "eu-central-1c")]
    [InlineData("arn:aws:ec2:us-east-2:123456789012:instance/i-0b662ef9931388ba0", null)]
    [InlineData("arn:aws:autoscaling:us-east-1a:123456789012:autoScalingGroup:x", null)]
    [InlineData("not-an-arn", null)]
    public void AvailabilityZoneFromArn_Arn_ReturnsZoneOnlyWhenPresent(string arn, string? expected)
    {
        Assert.Equal(expected, EventParser.AvailabilityZoneFromArn(arn));
    }

    [Fact]
    public void Parse_UnknownExtraFields_AreIgnored()
    {
        JsonNode node = Sample("ec2-spot-interruption-warning.json");
        node["replay-name"] = "archive-replay";
        node["new-envelope-field"] = new JsonObject { ["nested"] = new JsonArray(1, 2, 3) };
        node["detail"]!["instance-interruption-behavior"] = "terminate";
        node["detail"]!["future"] = 42;

        var parsed = Assert.IsType<MaxGroupEvent.SpotInterruption>(EventParser.Parse(node.ToJsonString()));

        Assert.Equal("i-0b662ef9931388ba0", parsed.Event.Detail.InstanceId);
    }

    [Fact]
    public void Parse_LaunchUnsuccessful_HasNoInstanceAndKeepsCause()
    {
        var parsed = Assert.IsType<MaxGroupEvent.AutoScalingLaunch>(EventParser.Parse(SampleEvents.Read("autoscaling-instance-launch-unsuccessful.json")));

        Assert.False(parsed.Successful);
        Assert.Null(parsed.Event.Detail.InstanceId);
        Assert.Equal("web-spot", parsed.Event.Detail.AutoScalingGroupName);
        Assert.Equal("Failed", parsed.Event.Detail.StatusCode);
        Assert.Equal("us-east-1b", parsed.Event.Detail.AvailabilityZone);
        Assert.Equal("subnet-0b2c3d4e", parsed.Event.Detail.SubnetId);
        Assert.Contains("sufficient m5.large capacity", parsed.Event.Detail.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LaunchSuccessful_ReadsInstanceAndZone()
    {
        var parsed = Assert.IsType<MaxGroupEvent.AutoScalingLaunch>(EventParser.Parse(SampleEvents.Read("autoscaling-instance-launch-successful.json")));

        Assert.True(parsed.Successful);
        Assert.Equal("i-0f1e2d3c4b5a69788", parsed.Event.Detail.InstanceId);
        Assert.Equal("us-east-1a", parsed.Event.Detail.AvailabilityZone);
    }

    [Fact]
    public void Parse_TerminateLifecycleAction_ReadsHookAndToken()
    {
        var parsed = Assert.IsType<MaxGroupEvent.LifecycleAction>(EventParser.Parse(SampleEvents.Read("autoscaling-instance-terminate-lifecycle-action.json")));

        Assert.Equal("web-spot", parsed.Event.Detail.AutoScalingGroupName);
        Assert.Equal("i-0b662ef9931388ba0", parsed.Event.Detail.InstanceId);
        Assert.Equal("maxgroup-drain", parsed.Event.Detail.LifecycleHookName);
        Assert.Equal("autoscaling:EC2_INSTANCE_TERMINATING", parsed.Event.Detail.LifecycleTransition);
        Assert.Equal("87654321-4321-4321-4321-210987654321", parsed.Event.Detail.LifecycleActionToken);
    }

    [Fact]
    public void Parse_StateChange_ReadsState()
    {
        var parsed = Assert.IsType<MaxGroupEvent.InstanceStateChange>(EventParser.Parse(SampleEvents.Read("ec2-instance-state-change-terminated.json")));

        Assert.Equal("terminated", parsed.Event.Detail.State);
        Assert.Equal("i-0b662ef9931388ba0", parsed.Event.Detail.InstanceId);
    }

    [Fact]
    public void Parse_ScheduledEvent_IsScheduled()
    {
        var parsed = Assert.IsType<MaxGroupEvent.Scheduled>(EventParser.Parse(SampleEvents.Read("scheduled-event.json")));

        Assert.Equal("aws.events", parsed.Event.Source);
        Assert.Single(parsed.Event.Resources);
    }

    [Theory]
    [InlineData("ec2-spot-interruption-warning.json", "id", "id is missing")]
    [InlineData("ec2-spot-interruption-warning.json", "detail-type", "detail-type is missing")]
    [InlineData("ec2-spot-interruption-warning.json", "source", "source is missing")]
    [InlineData("ec2-spot-interruption-warning.json", "time", "time is missing")]
    [InlineData("ec2-spot-interruption-warning.json", "detail", "detail is missing")]
    [InlineData("ec2-spot-interruption-warning.json", "detail.instance-id", "detail.instance-id is missing")]
    [InlineData("ec2-spot-interruption-warning.json", "detail.instance-action", "detail.instance-action is missing")]
    [InlineData("ec2-instance-rebalance-recommendation.json", "detail.instance-id", "detail.instance-id is missing")]
    [InlineData("ec2-instance-state-change-terminated.json", "detail.instance-id", "detail.instance-id is missing")]
    [InlineData("ec2-instance-state-change-terminated.json", "detail.state", "detail.state is missing")]
    [InlineData("autoscaling-instance-launch-successful.json", "detail.AutoScalingGroupName", "detail.AutoScalingGroupName is missing")]
    [InlineData("autoscaling-instance-terminate-lifecycle-action.json", "detail.AutoScalingGroupName", "detail.AutoScalingGroupName is missing")]
    [InlineData("autoscaling-instance-terminate-lifecycle-action.json", "detail.EC2InstanceId", "detail.EC2InstanceId is missing")]
    [InlineData("autoscaling-instance-terminate-lifecycle-action.json", "detail.LifecycleHookName", "detail.LifecycleHookName is missing")]
    [InlineData("autoscaling-instance-terminate-lifecycle-action.json", "detail.LifecycleTransition", "detail.LifecycleTransition is missing")]
    public void Parse_MissingField_NamesTheField(string file, string path, string expected)
    {
        JsonNode node = Sample(file);
        Remove(node, path);

        var ex = Assert.Throws<EventParseException>(() => EventParser.Parse(node.ToJsonString()));

        Assert.Equal(expected, ex.Message);
    }

    [Theory]
    [InlineData("detail.instance-id", "42", "detail.instance-id must be a string, not a number")]
    [InlineData("detail.instance-id", "\"\"", "detail.instance-id is empty")]
    [InlineData("detail.instance-id", "\"vol-0123456789abcdef0\"", "detail.instance-id \"vol-0123456789abcdef0\" is not an EC2 instance id")]
    [InlineData("detail.instance-action", "\"reboot\"", "detail.instance-action \"reboot\" is not one of terminate, stop, hibernate")]
    [InlineData("detail", "\"text\"", "detail must be an object, not a string")]
    [InlineData("time", "\"yesterday\"", "time \"yesterday\" is not an ISO 8601 timestamp")]
    [InlineData("resources", "{}", "resources must be an array, not an object")]
    [InlineData("resources", "[1]", "resources[0] must be a string, not a number")]
    [InlineData("detail-type", "\"AWS API Call via CloudTrail\"", "detail-type \"AWS API Call via CloudTrail\" is not an event MaxGroup handles")]
    public void Parse_WrongField_NamesTheField(string path, string json, string expectedStart)
    {
        JsonNode node = Sample("ec2-spot-interruption-warning.json");
        Set(node, path, JsonNode.Parse(json));

        var ex = Assert.Throws<EventParseException>(() => EventParser.Parse(node.ToJsonString()));

        Assert.StartsWith(expectedStart, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalid/spot-warning-missing-instance-id.json", "detail.instance-id is missing")]
    [InlineData("invalid/spot-warning-unknown-action.json", "detail.instance-action \"reboot\" is not one of terminate, stop, hibernate")]
    [InlineData("invalid/spot-warning-bad-instance-id.json", "detail.instance-id \"i-; DROP TABLE\" is not an EC2 instance id")]
    [InlineData("invalid/unsupported-detail-type.json", "detail-type \"AWS API Call via CloudTrail\" is not an event MaxGroup handles")]
    [InlineData("invalid/truncated-json.json", "event is not valid JSON: line ")]
    public void Parse_InvalidSample_IsRejectedWithItsReason(string file, string expectedStart)
    {
        var ex = Assert.Throws<EventParseException>(() => EventParser.Parse(SampleEvents.Read(file)));

        Assert.StartsWith(expectedStart, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "event must be a JSON object, not an array")]
    [InlineData("\"text\"", "event must be a JSON object, not a string")]
    [InlineData("", "event is not valid JSON")]
    public void Parse_NotAnObject_SaysWhatItIs(string json, string expectedStart)
    {
        var ex = Assert.Throws<EventParseException>(() => EventParser.Parse(json));

        Assert.StartsWith(expectedStart, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OversizedEvent_IsRefusedBeforeParsing()
    {
        string json = "{\"padding\":\"" + new string('x', EventParser.MaxEventBytes) + "\"}";

        var ex = Assert.Throws<EventParseException>(() => EventParser.Parse(json));

        Assert.Contains("larger than", ex.Message, StringComparison.Ordinal);
    }

    private static JsonNode Sample(string file) => JsonNode.Parse(SampleEvents.Read(file))!;

    private static void Remove(JsonNode root, string path)
    {
        (JsonObject parent, string name) = Locate(root, path);
        Assert.True(parent.Remove(name), $"{path} not in the sample");
    }

    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        (JsonObject parent, string name) = Locate(root, path);
        parent[name] = value;
    }

    private static (JsonObject Parent, string Name) Locate(JsonNode root, string path)
    {
        // Paths split on '.' only where a nested object exists ("detail.instance-id"), never inside "detail-type".
        int dot = path.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? (root.AsObject(), path) : (root[path[..dot]]!.AsObject(), path[(dot + 1)..]);
    }
}
