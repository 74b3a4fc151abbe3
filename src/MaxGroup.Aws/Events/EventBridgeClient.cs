using System.Buffers;
using System.Text.Json;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Events;

/// <summary>One entry of a PutEvents request (API reference: PutEventsRequestEntry); <see cref="Detail"/> is a JSON object as text.</summary>
public sealed record PutEventsEntry(string Source, string DetailType, string Detail)
{
    /// <summary>Null = the account's default bus.</summary>
    public string? EventBusName { get; init; }

    /// <summary>Null = the time of the call.</summary>
    public DateTimeOffset? Time { get; init; }

    public IReadOnlyList<string> Resources { get; init; } = [];
}

/// <summary>One entry of a PutEvents answer, in request order: the event's id, or why it was refused.</summary>
public sealed record PutEventsResultEntry(string? EventId, string? ErrorCode, string? ErrorMessage)
{
    public bool Succeeded => ErrorCode is null && EventId is not null;
}

/// <summary>
/// EventBridge PutEvents (JSON 1.1 protocol, `X-Amz-Target: AWSEvents.PutEvents`, API version 2015-10-07) through the
/// signed client. One call, never resent after an ambiguous failure: a repeat would publish the events twice.
/// </summary>
/// <param name="client">A signed client for <see cref="AwsService.EventBridge"/>.</param>
public sealed class EventBridgeClient(AwsSignedHttpClient client)
{
    public const string PutEventsTarget = "AWSEvents.PutEvents";
    public const string ContentType = JsonProtocolRequest.Json11;

    /// <summary>PutEvents takes at most this many entries per call.</summary>
    public const int MaxEntries = 10;

    private readonly AwsSignedHttpClient _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>Sends <paramref name="entries"/>; answers one result per entry, in order (a refused entry is not an exception here).</summary>
    public async Task<IReadOnlyList<PutEventsResultEntry>> PutEventsAsync(IReadOnlyList<PutEventsEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count is 0 or > MaxEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries.Count, $"PutEvents takes 1 to {MaxEntries} entries");
        }

        AwsRequest request = JsonProtocolRequest.Create(ContentType, PutEventsTarget, RequestBody(entries), idempotent: false);
        AwsResponse response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return ParseResults(response.Body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new RemoteApiException("events", "MalformedResponse", $"PutEvents: unexpected answer ({ex.Message})", response.StatusCode, ex);
        }
    }

    /// <summary>The request's JSON: {"Entries":[{"Source","DetailType","Detail","EventBusName","Time","Resources"}]}, Time in epoch seconds.</summary>
    public static byte[] RequestBody(IReadOnlyList<PutEventsEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Entries");
            foreach (PutEventsEntry entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("Source", entry.Source);
                writer.WriteString("DetailType", entry.DetailType);
                writer.WriteString("Detail", entry.Detail);
                if (entry.EventBusName is { } bus)
                {
                    writer.WriteString("EventBusName", bus);
                }

                if (entry.Time is { } time)
                {
                    writer.WriteNumber("Time", time.ToUnixTimeSeconds());
                }

                if (entry.Resources.Count > 0)
                {
                    writer.WriteStartArray("Resources");
                    foreach (string resource in entry.Resources)
                    {
                        writer.WriteStringValue(resource);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The answer's Entries: {"FailedEntryCount":n,"Entries":[{"EventId"} | {"ErrorCode","ErrorMessage"}]}.</summary>
    public static IReadOnlyList<PutEventsResultEntry> ParseResults(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using JsonDocument document = JsonDocument.ParseValue(ref reader);
        var results = new List<PutEventsResultEntry>();
        if (document.RootElement.TryGetProperty("Entries", out JsonElement entries) && entries.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement entry in entries.EnumerateArray())
            {
                results.Add(new PutEventsResultEntry(String(entry, "EventId"), String(entry, "ErrorCode"), String(entry, "ErrorMessage")));
            }
        }

        return results;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
