using System.Globalization;
using System.Text.Json;
using MaxGroup.Core.Model;

namespace MaxGroup.Aws.Lambda;

/// <summary>Writes parsed events back as EventBridge JSON, in AWS's field names, for the volume function to parse again.</summary>
internal static class EventBridgeJson
{
    public static byte[] StateChange(EventBridgeEvent<InstanceStateChangeDetail> e) => Write(e.Id, e.DetailType, e.Source, e.Time, e.Region, e.Resources, w =>
    {
        w.WriteString("instance-id", e.Detail.InstanceId);
        w.WriteString("state", e.Detail.State);
    });

    public static byte[] Launch(EventBridgeEvent<AutoScalingLaunchDetail> e, bool successful) => Write(e.Id, e.DetailType, e.Source, e.Time, e.Region, e.Resources, w =>
    {
        w.WriteString("AutoScalingGroupName", e.Detail.AutoScalingGroupName);
        w.WriteString("StatusCode", e.Detail.StatusCode.Length > 0 ? e.Detail.StatusCode : successful ? "InProgress" : "Failed");
        if (e.Detail.InstanceId is not null)
        {
            w.WriteString("EC2InstanceId", e.Detail.InstanceId);
        }

        w.WriteStartObject("Details");
        if (e.Detail.AvailabilityZone is not null)
        {
            w.WriteString("Availability Zone", e.Detail.AvailabilityZone);
        }

        if (e.Detail.SubnetId is not null)
        {
            w.WriteString("Subnet ID", e.Detail.SubnetId);
        }

        w.WriteEndObject();
    });

    public static byte[] Scheduled(EventBridgeEvent<ScheduledDetail> e) => Write(e.Id, e.DetailType, e.Source, e.Time, e.Region, e.Resources, _ => { });

    private static byte[] Write(string id, string detailType, string source, DateTimeOffset time, string region, IReadOnlyList<string> resources, Action<Utf8JsonWriter> detail)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("version", "0");
            w.WriteString("id", id);
            w.WriteString("detail-type", detailType);
            w.WriteString("source", source);
            w.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
            w.WriteString("region", region);
            w.WriteStartArray("resources");
            foreach (string resource in resources)
            {
                w.WriteStringValue(resource);
            }

            w.WriteEndArray();
            w.WriteStartObject("detail");
            detail(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
