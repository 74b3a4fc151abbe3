using System.Text.Json;
using MaxGroup.Aws;
using MaxGroup.Aws.Events;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// Where the demo's hand-over events go: a rule on the emulator's default bus sends every `source: maxgroup` event to
/// an SQS queue, as an operator routes them (docs/notifications.md), and the demo reads the queue once the hand-over is
/// over. PutRule/PutTargets and the queue through the signed client (the feed has no EventBridge SDK; SQS speaks its
/// JSON 1.0 protocol), so the CLI takes no SDK for them.
/// </summary>
public sealed class DemoEventRoute
{
    public const string Name = "maxgroup-demo-events";
    private const string SqsContentType = JsonProtocolRequest.Json10;
    private readonly AwsSignedHttpClient _sqs;

    private DemoEventRoute(AwsSignedHttpClient sqs, string queueUrl)
    {
        _sqs = sqs;
        QueueUrl = queueUrl;
    }

    public string QueueUrl { get; }

    /// <summary>The queue, the rule matching MaxGroup's events and its target: the queue.</summary>
    public static async Task<DemoEventRoute> CreateAsync(AwsClientFactory aws, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aws);
        AwsSignedHttpClient sqs = aws.CreateSignedClient(AwsService.Sqs);
        AwsSignedHttpClient events = aws.CreateSignedClient(AwsService.EventBridge);
        using JsonDocument created = await sqs.SendJsonAsync(SqsContentType, "AmazonSQS.CreateQueue", w => w.WriteString("QueueName", Name), cancellationToken);
        string url = created.RootElement.GetProperty("QueueUrl").GetString()!;
        using JsonDocument attributes = await sqs.SendJsonAsync(SqsContentType, "AmazonSQS.GetQueueAttributes", w =>
        {
            w.WriteString("QueueUrl", url);
            w.WriteStartArray("AttributeNames");
            w.WriteStringValue("QueueArn");
            w.WriteEndArray();
        }, cancellationToken);
        string arn = attributes.RootElement.GetProperty("Attributes").GetProperty("QueueArn").GetString()!;
        using JsonDocument rule = await events.SendJsonAsync(EventBridgeClient.ContentType, "AWSEvents.PutRule", w =>
        {
            w.WriteString("Name", Name);
            w.WriteString("EventPattern", """{"source":["maxgroup"]}""");
            w.WriteString("State", "ENABLED");
        }, cancellationToken);
        using JsonDocument targets = await events.SendJsonAsync(EventBridgeClient.ContentType, "AWSEvents.PutTargets", w =>
        {
            w.WriteString("Rule", Name);
            w.WriteStartArray("Targets");
            w.WriteStartObject();
            w.WriteString("Id", "queue");
            w.WriteString("Arn", arn);
            w.WriteEndObject();
            w.WriteEndArray();
        }, cancellationToken);
        return new DemoEventRoute(sqs, url);
    }

    /// <summary>The detail-types that reached the queue, in arrival order, until the hand-over's end event came or <paramref name="wait"/> passed.</summary>
    public async Task<IReadOnlyList<string>> ReceiveAsync(TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var received = new List<string>();
        DateTimeOffset end = time.GetUtcNow() + wait;
        while (!received.Any(IsEnd) && time.GetUtcNow() < end)
        {
            using JsonDocument answer = await _sqs.SendJsonAsync(SqsContentType, "AmazonSQS.ReceiveMessage", w =>
            {
                w.WriteString("QueueUrl", QueueUrl);
                w.WriteNumber("MaxNumberOfMessages", 10);
                w.WriteNumber("WaitTimeSeconds", 1);
            }, cancellationToken);
            if (!answer.RootElement.TryGetProperty("Messages", out JsonElement messages))
            {
                continue;
            }

            foreach (JsonElement message in messages.EnumerateArray())
            {
                using JsonDocument body = JsonDocument.Parse(message.GetProperty("Body").GetString() ?? "{}");
                received.Add(body.RootElement.TryGetProperty("detail-type", out JsonElement type) ? type.GetString() ?? "" : "");
                string receipt = message.GetProperty("ReceiptHandle").GetString() ?? "";
                using JsonDocument deleted = await _sqs.SendJsonAsync(SqsContentType, "AmazonSQS.DeleteMessage", w =>
                {
                    w.WriteString("QueueUrl", QueueUrl);
                    w.WriteString("ReceiptHandle", receipt);
                }, cancellationToken);
            }
        }

        return received;
    }

    private static bool IsEnd(string detailType) => detailType is "MaxGroup Hand-over Completed" or "MaxGroup Hand-over Failed";
}
