namespace MaxGroup.Core.Tests.Events;

/// <summary>
/// <see cref="EventParser.ParseIfEvent"/>, the one parse of a function that takes events and remediation requests: it
/// answers what <see cref="EventParser.Parse(string)"/> would for an event, and null for anything else.
/// </summary>
public sealed class EventParserParseIfEventTests
{
    [Fact]
    public void ParseIfEvent_SpotWarning_IsTheEventParseReads()
    {
        string json = SampleEvents.Read("ec2-spot-interruption-warning.json");

        var parsed = Assert.IsType<MaxGroupEvent.SpotInterruption>(EventParser.ParseIfEvent(json));

        var expected = (MaxGroupEvent.SpotInterruption)EventParser.Parse(json);
        Assert.Equal(expected.Id, parsed.Id);
        Assert.Equal(expected.Event.Detail.InstanceId, parsed.Event.Detail.InstanceId);
        Assert.Equal(expected.Event.Time, parsed.Event.Time);
    }

    [Theory]
    [InlineData("{\"step\":\"replace\",\"eventId\":\"ev-1\"}")]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("[{\"detail-type\":\"EC2 Spot Instance Interruption Warning\"}]")]
    [InlineData("{\"detail\":{\"detail-type\":\"EC2 Spot Instance Interruption Warning\"}}")]
    public void ParseIfEvent_NoEnvelope_IsNullForTheOtherPath(string input) => Assert.Null(EventParser.ParseIfEvent(input));

    [Theory]
    [InlineData("invalid/spot-warning-missing-instance-id.json", "detail.instance-id is missing")]
    [InlineData("invalid/unsupported-detail-type.json", "detail-type \"AWS API Call via CloudTrail\" is not an event MaxGroup handles")]
    public void ParseIfEvent_MalformedEnvelope_ThrowsParsesReason(string file, string expected)
    {
        var ex = Assert.Throws<EventParseException>(() => EventParser.ParseIfEvent(SampleEvents.Read(file)));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseIfEvent_EnvelopeDeeperThanAnEventMayBe_ThrowsParsesReason()
    {
        // 40 levels: within JsonDocument's default depth, beyond the 32 an event may have.
        string json = "{\"detail-type\":\"EC2 Spot Instance Interruption Warning\",\"deep\":" + new string('[', 40) + new string(']', 40) + "}";

        var ex = Assert.Throws<EventParseException>(() => EventParser.ParseIfEvent(json));

        Assert.Equal(Assert.Throws<EventParseException>(() => EventParser.Parse(json)).Message, ex.Message);
        Assert.StartsWith("event is not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseIfEvent_OversizedEnvelope_IsRefusedAsParseRefusesIt()
    {
        string json = "{\"detail-type\":\"EC2 Spot Instance Interruption Warning\",\"padding\":\"" + new string('x', EventParser.MaxEventBytes) + "\"}";

        var ex = Assert.Throws<EventParseException>(() => EventParser.ParseIfEvent(json));

        Assert.Contains("larger than", ex.Message, StringComparison.Ordinal);
    }
}
