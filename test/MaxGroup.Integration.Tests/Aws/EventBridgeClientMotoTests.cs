using MaxGroup.Aws.Events;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>The PutEvents client on moto's EventBridge, and what the hand-over publisher makes of a refused entry.</summary>
[Collection(MotoCollection.Name)]
public sealed class EventBridgeClientMotoTests(MotoFixture moto)
{
    [Fact]
    public async Task PutEvents_OneEntryOnTheDefaultBus_AnswersItsEventId()
    {
        await moto.ResetAsync();
        using AwsClientFactory aws = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());

        IReadOnlyList<PutEventsResultEntry> results = await aws.Events.PutEventsAsync(
            [new PutEventsEntry("maxgroup", HandoverEventTypes.Started, """{"instance_id":"i-1"}""") { EventBusName = "default", Time = DateTimeOffset.UtcNow }],
            CancellationToken.None);

        PutEventsResultEntry result = Assert.Single(results);
        Assert.True(result.Succeeded, result.ErrorMessage);
        Assert.False(string.IsNullOrEmpty(result.EventId));
    }

    [Fact]
    public void RequestBody_Entry_HasTheApiReferenceShape()
    {
        byte[] body = EventBridgeClient.RequestBody(
            [new PutEventsEntry("maxgroup", "T", "{}") { EventBusName = "default", Time = DateTimeOffset.FromUnixTimeSeconds(1764660000), Resources = ["arn:x"] }]);

        Assert.Equal(
            """{"Entries":[{"Source":"maxgroup","DetailType":"T","Detail":"{}","EventBusName":"default","Time":1764660000,"Resources":["arn:x"]}]}""",
            Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void ParseResults_RefusedEntry_KeepsItsErrorCode()
    {
        IReadOnlyList<PutEventsResultEntry> results = EventBridgeClient.ParseResults(
            """{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure","ErrorMessage":"try again"}]}"""u8);

        PutEventsResultEntry refused = Assert.Single(results);
        Assert.False(refused.Succeeded);
        Assert.Equal(("InternalFailure", "try again"), (refused.ErrorCode, refused.ErrorMessage));
    }
}
