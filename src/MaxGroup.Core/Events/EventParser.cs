using System.Globalization;
using System.Text.Json;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Events;

/// <summary>
/// Parses EventBridge events into <see cref="MaxGroupEvent"/>. Reads the JSON with <see cref="JsonDocument"/>
/// (no reflection, AOT-safe) so that every problem names the field it is about. Unknown fields are ignored.
/// </summary>
public static partial class EventParser
{
    /// <summary>Events larger than this are refused before parsing (EventBridge's own limit is 256 KiB).</summary>
    public const int MaxEventBytes = 256 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public static MaxGroupEvent Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxEventBytes)
        {
            throw new EventParseException($"event is {json.Length} characters, larger than the {MaxEventBytes} allowed");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new EventParseException($"event is not valid JSON: line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}: {FirstSentence(ex.Message)}");
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    /// <summary>
    /// For a function that takes events beside other requests, in one parse: the event when <paramref name="json"/> is an
    /// EventBridge envelope (a JSON object with a detail-type), null when it is none (not JSON, not an object, no
    /// detail-type), so the caller's other path reports it in its own words. An envelope that fails validation throws
    /// exactly as <see cref="Parse(string)"/> does.
    /// </summary>
    public static MaxGroupEvent? ParseIfEvent(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException)
        {
            // Not JSON, or nested deeper than an event may be: decided on the input as a whole, as before this one parse,
            // so a deep envelope still gets Parse's message and anything else goes to the other path. Never on an event
            // that parses, so never on the warning's path.
            return IsEnvelope(json) ? Parse(json) : null;
        }

        using (document)
        {
            if (!IsEnvelope(document.RootElement))
            {
                return null;
            }

            return json.Length > MaxEventBytes ? Parse(json) : Parse(document.RootElement);
        }
    }

    public static MaxGroupEvent Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new EventParseException($"event must be a JSON object, not {Describe(root.ValueKind)}");
        }

        string id = RequiredString(root, "id", "id");
        string detailType = RequiredString(root, "detail-type", "detail-type");
        string source = RequiredString(root, "source", "source");
        DateTimeOffset time = RequiredTime(root, "time");
        IReadOnlyList<string> resources = OptionalStringArray(root, "resources");
        JsonElement detail = root.TryGetProperty("detail", out JsonElement d) ? d : default;

        return detailType switch
        {
            DetailTypes.SpotInterruptionWarning => new MaxGroupEvent.SpotInterruption(
                Envelope(root, id, detailType, source, time, resources, ParseSpotDetail(RequiredObject(detail), resources))),
            DetailTypes.RebalanceRecommendation => new MaxGroupEvent.RebalanceRecommendation(
                Envelope(root, id, detailType, source, time, resources,
                    new RebalanceRecommendationDetail(RequiredString(RequiredObject(detail), "instance-id", "detail.instance-id")))),
            DetailTypes.InstanceStateChange => new MaxGroupEvent.InstanceStateChange(
                Envelope(root, id, detailType, source, time, resources, ParseStateChange(RequiredObject(detail)))),
            DetailTypes.LaunchSuccessful or DetailTypes.LaunchUnsuccessful => new MaxGroupEvent.AutoScalingLaunch(
                Envelope(root, id, detailType, source, time, resources, ParseLaunch(RequiredObject(detail))),
                detailType == DetailTypes.LaunchSuccessful),
            DetailTypes.TerminateLifecycleAction => new MaxGroupEvent.LifecycleAction(
                Envelope(root, id, detailType, source, time, resources, ParseLifecycle(RequiredObject(detail)))),
            DetailTypes.CapacityReservationInterruptionWarning => new MaxGroupEvent.ReservationInterruption(
                Envelope(root, id, detailType, source, time, resources, ParseReservationDetail(RequiredObject(detail)))),
            DetailTypes.HealthEvent => new MaxGroupEvent.HealthEvent(
                Envelope(root, id, detailType, source, time, resources, ParseHealthDetail(RequiredObject(detail)))),
            DetailTypes.Scheduled => new MaxGroupEvent.Scheduled(
                Envelope(root, id, detailType, source, time, resources, new ScheduledDetail())),
            _ => throw new EventParseException($"detail-type \"{Truncate(detailType)}\" is not an event MaxGroup handles"),
        };
    }

    private static bool IsEnvelope(JsonElement root) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail-type", out _);

    private static bool IsEnvelope(string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return IsEnvelope(document.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The Availability Zone in an EC2 instance ARN whose region slot holds a zone (arn:aws:ec2:us-east-2a:instance/i-...).</summary>
    public static string? AvailabilityZoneFromArn(string arn)
    {
        // The warning's ARN has no account field (arn:aws:ec2:us-east-2a:instance/i-...): five parts, not six.
        string[] parts = arn.Split(':');
        if (parts.Length < 5 || parts[2] != "ec2")
        {
            return null;
        }

        string slot = parts[3];
        return slot.Length > 0 && char.IsLetter(slot[^1]) ? slot : null;
    }

    private static EventBridgeEvent<T> Envelope<T>(JsonElement root, string id, string detailType, string source, DateTimeOffset time, IReadOnlyList<string> resources, T detail)
        where T : class => new()
        {
            Version = OptionalString(root, "version") ?? "0",
            Id = id,
            DetailType = detailType,
            Source = source,
            Account = OptionalString(root, "account") ?? "",
            Region = OptionalString(root, "region") ?? "",
            Time = time,
            Resources = resources,
            Detail = detail,
        };

    private static SpotInterruptionDetail ParseSpotDetail(JsonElement detail, IReadOnlyList<string> resources)
    {
        string instanceId = RequiredInstanceId(detail, "instance-id", "detail.instance-id");
        string actionText = RequiredString(detail, "instance-action", "detail.instance-action");
        InstanceAction action = actionText switch
        {
            "terminate" => InstanceAction.Terminate,
            "stop" => InstanceAction.Stop,
            "hibernate" => InstanceAction.Hibernate,
            _ => throw new EventParseException($"detail.instance-action \"{Truncate(actionText)}\" is not one of terminate, stop, hibernate"),
        };
        string? az = resources.Select(AvailabilityZoneFromArn).FirstOrDefault(z => z is not null);
        return new SpotInterruptionDetail(instanceId, action) { AvailabilityZone = az };
    }

    private static ReservationInterruptionDetail ParseReservationDetail(JsonElement detail)
    {
        // The same instance-id and instance-action as a Spot warning; the termination time, when given, is the deadline.
        SpotInterruptionDetail warning = ParseSpotDetail(detail, []);
        string? at = OptionalString(detail, "instance-termination-time");
        DateTimeOffset? termination = null;
        if (at is not null)
        {
            termination = DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t)
                ? t
                : throw new EventParseException($"detail.instance-termination-time \"{Truncate(at)}\" is not an ISO 8601 timestamp");
        }

        return new ReservationInterruptionDetail(warning.InstanceId, warning.InstanceAction) { TerminationTime = termination };
    }

    private static InstanceStateChangeDetail ParseStateChange(JsonElement detail) =>
        new(RequiredInstanceId(detail, "instance-id", "detail.instance-id"), RequiredString(detail, "state", "detail.state"));

    private static AutoScalingLaunchDetail ParseLaunch(JsonElement detail)
    {
        string group = RequiredString(detail, "AutoScalingGroupName", "detail.AutoScalingGroupName");
        string? instanceId = OptionalString(detail, "EC2InstanceId");
        if (instanceId is { Length: > 0 })
        {
            ValidateInstanceId(instanceId, "detail.EC2InstanceId");
        }

        string? az = null;
        string? subnet = null;
        if (detail.TryGetProperty("Details", out JsonElement details) && details.ValueKind == JsonValueKind.Object)
        {
            az = OptionalString(details, "Availability Zone");
            subnet = OptionalString(details, "Subnet ID");
        }

        return new AutoScalingLaunchDetail(group, string.IsNullOrEmpty(instanceId) ? null : instanceId, OptionalString(detail, "StatusCode") ?? "")
        {
            AvailabilityZone = az,
            SubnetId = subnet,
            ActivityId = OptionalString(detail, "ActivityId"),
            Cause = OptionalString(detail, "Cause"),
            StatusMessage = OptionalString(detail, "StatusMessage"),
        };
    }

    private static LifecycleActionDetail ParseLifecycle(JsonElement detail) =>
        new(
            RequiredString(detail, "AutoScalingGroupName", "detail.AutoScalingGroupName"),
            RequiredInstanceId(detail, "EC2InstanceId", "detail.EC2InstanceId"),
            RequiredString(detail, "LifecycleHookName", "detail.LifecycleHookName"),
            RequiredString(detail, "LifecycleTransition", "detail.LifecycleTransition"))
        {
            LifecycleActionToken = OptionalString(detail, "LifecycleActionToken"),
        };

    private static JsonElement RequiredObject(JsonElement detail)
    {
        if (detail.ValueKind == JsonValueKind.Undefined)
        {
            throw new EventParseException("detail is missing");
        }

        if (detail.ValueKind != JsonValueKind.Object)
        {
            throw new EventParseException($"detail must be an object, not {Describe(detail.ValueKind)}");
        }

        return detail;
    }

    private static string RequiredString(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new EventParseException($"{path} is missing");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new EventParseException($"{path} must be a string, not {Describe(value.ValueKind)}");
        }

        string text = value.GetString()!;
        if (text.Length == 0)
        {
            throw new EventParseException($"{path} is empty");
        }

        return text;
    }

    private static string RequiredInstanceId(JsonElement obj, string name, string path)
    {
        string id = RequiredString(obj, name, path);
        ValidateInstanceId(id, path);
        return id;
    }

    /// <summary>Instance ids become API parameters and ledger keys: accept only the documented shape i-[0-9a-f]{8,17}.</summary>
    private static void ValidateInstanceId(string id, string path)
    {
        if (!IsInstanceId(id))
        {
            throw new EventParseException($"{path} \"{Truncate(id)}\" is not an EC2 instance id (i- followed by 8 or 17 hex digits)");
        }
    }

    private static DateTimeOffset RequiredTime(JsonElement root, string name)
    {
        string text = RequiredString(root, name, name);
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time))
        {
            throw new EventParseException($"{name} \"{Truncate(text)}\" is not an ISO 8601 timestamp");
        }

        return time;
    }

    private static string? OptionalString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IReadOnlyList<string> OptionalStringArray(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new EventParseException($"{name} must be an array, not {Describe(value.ValueKind)}");
        }

        var list = new List<string>();
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new EventParseException($"{name}[{i}] must be a string, not {Describe(item.ValueKind)}");
            }

            list.Add(item.GetString()!);
            i++;
        }

        return list;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message;
    }
}
