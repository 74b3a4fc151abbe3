using System.Text.Json.Nodes;
using MaxGroup.Integration.Tests.Runtime;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>The real-shaped samples in events/ of the triggers beside the Spot warning, made about one instance and sent now.</summary>
internal static class TriggerEventJson
{
    /// <summary>"EC2 Instance-terminate Lifecycle Action" of <paramref name="group"/>'s <paramref name="hook"/> for <paramref name="instanceId"/>.</summary>
    public static string Lifecycle(string eventId, string group, string hook, string token, string instanceId)
    {
        JsonObject json = Sample("autoscaling-instance-terminate-lifecycle-action.json", eventId);
        json["resources"] = new JsonArray($"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0:autoScalingGroupName/{group}");
        JsonObject detail = json["detail"]!.AsObject();
        detail["LifecycleActionToken"] = token;
        detail["AutoScalingGroupName"] = group;
        detail["LifecycleHookName"] = hook;
        detail["EC2InstanceId"] = instanceId;
        return json.ToJsonString();
    }

    /// <summary>An AWS Health scheduled retirement of <paramref name="instanceId"/> starting at <paramref name="start"/>.</summary>
    public static string Retirement(string eventId, string instanceId, DateTimeOffset start)
    {
        JsonObject json = Sample("aws-health-ec2-instance-retirement-scheduled.json", eventId);
        json["resources"] = new JsonArray(instanceId);
        JsonObject detail = json["detail"]!.AsObject();
        detail["startTime"] = start.ToString("r", CultureInfo.InvariantCulture);
        detail["affectedEntities"] = new JsonArray(new JsonObject { ["entityValue"] = instanceId });
        return json.ToJsonString();
    }

    /// <summary>An interruptible Capacity Reservation's warning for <paramref name="instanceId"/>, reclaimed at <paramref name="terminationTime"/>.</summary>
    public static string Reservation(string eventId, string instanceId, DateTimeOffset terminationTime)
    {
        JsonObject json = Sample("ec2-capacity-reservation-interruption-warning.json", eventId);
        json["resources"] = new JsonArray($"arn:aws:ec2:us-east-1:123456789012:instance/{instanceId}");
        JsonObject detail = json["detail"]!.AsObject();
        detail["instance-id"] = instanceId;
        detail["instance-termination-time"] = terminationTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return json.ToJsonString();
    }

    private static JsonObject Sample(string file, string eventId)
    {
        JsonObject json = JsonNode.Parse(File.ReadAllText(RepositoryPaths.Event(file)))!.AsObject();
        json["id"] = eventId;
        json["time"] = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return json;
    }
}
