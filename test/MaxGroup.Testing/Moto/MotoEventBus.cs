using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using MaxGroup.Aws;
using MaxGroup.Aws.Events;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Testing.Moto;

/// <summary>
/// EventBridge's default bus on moto with a rule that sends matching events to an SQS queue, as an operator would
/// route MaxGroup's events: PutRule and PutTargets through the signed client (the feed has no EventBridge SDK), the
/// queue through AWSSDK.SQS. <see cref="ReceiveAsync"/> answers the events that reached the queue.
/// </summary>
public sealed class MotoEventBus : IDisposable
{
    private readonly AwsSignedHttpClient _events;
    private readonly AmazonSQSClient _sqs;

    private MotoEventBus(AwsSignedHttpClient events, AmazonSQSClient sqs, string queueUrl)
    {
        _events = events;
        _sqs = sqs;
        QueueUrl = queueUrl;
    }

    public string QueueUrl { get; }

    /// <summary>
    /// A queue and a rule on the default bus matching <paramref name="eventPattern"/> that targets it, through
    /// <paramref name="inputTransformer"/> (a target's InputTransformer object) when one is given.
    /// </summary>
    public static async Task<MotoEventBus> RouteToQueueAsync(AwsClientFactory aws, AWSCredentials credentials, string eventPattern, JsonElement? inputTransformer = null)
    {
        ArgumentNullException.ThrowIfNull(aws);
        var sqs = new AmazonSQSClient(credentials, new AmazonSQSConfig
        {
            ServiceURL = aws.EndpointFor(new AwsService("SQS", "SQS", "sqs", "sqs")).ToString(),
            AuthenticationRegion = aws.Region,
        });
        string name = "maxgroup-events-" + Guid.NewGuid().ToString("N")[..8];
        string url = (await sqs.CreateQueueAsync(name)).QueueUrl;
        string arn = (await sqs.GetQueueAttributesAsync(url, ["QueueArn"])).QueueARN;
        AwsSignedHttpClient events = aws.CreateSignedClient(AwsService.EventBridge);
        var bus = new MotoEventBus(events, sqs, url);
        await bus.CallAsync("PutRule", new Dictionary<string, object> { ["Name"] = name, ["EventPattern"] = eventPattern, ["State"] = "ENABLED" });
        await bus.CallAsync("PutTargets", new Dictionary<string, object> { ["Rule"] = name, ["Targets"] = new[] { Target(arn, inputTransformer) } });
        return bus;
    }

    /// <summary>The events in the queue until <paramref name="until"/> holds for them or <paramref name="wait"/> passes.</summary>
    public async Task<IReadOnlyList<JsonElement>> ReceiveAsync(Func<IReadOnlyList<JsonElement>, bool> until, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(until);
        var received = new List<JsonElement>();
        DateTime end = DateTime.UtcNow + wait;
        while (!until(received) && DateTime.UtcNow < end)
        {
            ReceiveMessageResponse answer = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = QueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            foreach (Message message in answer.Messages ?? [])
            {
                received.Add(JsonDocument.Parse(message.Body).RootElement.Clone());
                await _sqs.DeleteMessageAsync(QueueUrl, message.ReceiptHandle);
            }
        }

        return received;
    }

    /// <summary>The detail-types of <paramref name="events"/>, in arrival order.</summary>
    public static IReadOnlyList<string> DetailTypes(IEnumerable<JsonElement> events) =>
        events.Select(e => e.GetProperty("detail-type").GetString() ?? "").ToList();

    public void Dispose() => _sqs.Dispose();

    private static Dictionary<string, object> Target(string arn, JsonElement? inputTransformer)
    {
        var target = new Dictionary<string, object> { ["Id"] = "queue", ["Arn"] = arn };
        if (inputTransformer is { } transformer)
        {
            target["InputTransformer"] = transformer;
        }

        return target;
    }

    private async Task CallAsync(string operation, Dictionary<string, object> body)
    {
        await _events.SendAsync(
            JsonProtocolRequest.Create(EventBridgeClient.ContentType, "AWSEvents." + operation, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body))),
            CancellationToken.None);
    }
}
