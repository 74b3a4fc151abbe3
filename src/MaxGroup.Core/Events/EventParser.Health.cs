using System.Globalization;
using System.Text.Json;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Events;

/// <summary>The AWS Health case of the parser: the fields a scheduled change of EC2 instances is routed by.</summary>
public static partial class EventParser
{
    private static HealthEventDetail ParseHealthDetail(JsonElement detail)
    {
        string? start = OptionalString(detail, "startTime");
        DateTimeOffset? startTime = null;
        if (start is not null)
        {
            startTime = ParseHealthTime(start) ?? throw new EventParseException($"detail.startTime \"{Truncate(start)}\" is not a timestamp (RFC 1123 or ISO 8601)");
        }

        return new HealthEventDetail(
            RequiredString(detail, "eventArn", "detail.eventArn"),
            RequiredString(detail, "service", "detail.service"),
            RequiredString(detail, "eventTypeCode", "detail.eventTypeCode"),
            RequiredString(detail, "eventTypeCategory", "detail.eventTypeCategory"))
        {
            StatusCode = OptionalString(detail, "statusCode"),
            StartTime = startTime,
            AffectedInstanceIds = AffectedInstanceIds(detail),
        };
    }

    /// <summary>
    /// AWS Health writes its times as RFC 1123 ("Fri, 27 Jan 2023 06:02:51 GMT"), unlike the envelope's ISO 8601; both are
    /// read.
    /// </summary>
    private static DateTimeOffset? ParseHealthTime(string text)
    {
        if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset rfc))
        {
            return rfc;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset iso)
            ? iso
            : null;
    }

    /// <summary>
    /// The entities that are EC2 instances. Other entity values (an AWS Health event may name volumes, hosts, "UNKNOWN")
    /// are skipped, not an error: the event is still about the instances it names.
    /// </summary>
    private static IReadOnlyList<string> AffectedInstanceIds(JsonElement detail)
    {
        if (!detail.TryGetProperty("affectedEntities", out JsonElement entities) || entities.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (entities.ValueKind != JsonValueKind.Array)
        {
            throw new EventParseException($"detail.affectedEntities must be an array, not {Describe(entities.ValueKind)}");
        }

        var ids = new List<string>();
        foreach (JsonElement entity in entities.EnumerateArray())
        {
            if (entity.ValueKind == JsonValueKind.Object && OptionalString(entity, "entityValue") is { } value && IsInstanceId(value) && !ids.Contains(value))
            {
                ids.Add(value);
            }
        }

        return ids;
    }

    private static bool IsInstanceId(string id) =>
        id.Length is >= 10 and <= 19 && id.StartsWith("i-", StringComparison.Ordinal) && id.AsSpan(2).IndexOfAnyExcept("0123456789abcdef") < 0;
}
