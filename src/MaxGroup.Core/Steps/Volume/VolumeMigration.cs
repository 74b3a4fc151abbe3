using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>A volume move as its tags record it: everything a trigger needs to resume it.</summary>
public sealed record VolumeMigration
{
    public required string VolumeId { get; init; }
    public required string GroupName { get; init; }
    public required string Status { get; init; }
    public required string SourceInstanceId { get; init; }
    public string? SourceDevice { get; init; }
    public required string AttachAs { get; init; }
    public CrossAzPolicy CrossAz { get; init; } = CrossAzPolicy.Snapshot;
    public string InstanceAction { get; init; } = "terminate";
    public string? InterruptionId { get; init; }
    public string? Successor { get; init; }
    public string? TargetInstance { get; init; }
    public string? Claim { get; init; }
    public string? SnapshotId { get; init; }
    public string? CopyVolumeId { get; init; }
    public DateTimeOffset? InterruptionTime { get; init; }

    public bool IsOpen => VolumeTags.Statuses.Open.Contains(Status);

    /// <summary>The move recorded on <paramref name="volume"/>, or null when MaxGroup never tagged it (or the tags are incomplete).</summary>
    public static VolumeMigration? FromVolume(VolumeInfo volume)
    {
        IReadOnlyDictionary<string, string> tags = volume.Tags;
        string? group = Get(tags, VolumeTags.Group);
        string? status = Get(tags, VolumeTags.Status);
        string? source = Get(tags, VolumeTags.SourceInstance);
        if (group is null || status is null || source is null)
        {
            return null;
        }

        return new VolumeMigration
        {
            VolumeId = volume.VolumeId,
            GroupName = group,
            Status = status,
            SourceInstanceId = source,
            SourceDevice = Get(tags, VolumeTags.SourceDevice),
            AttachAs = Get(tags, VolumeTags.AttachAs) ?? "/dev/xvdz",
            CrossAz = string.Equals(Get(tags, VolumeTags.CrossAz), "wait", StringComparison.OrdinalIgnoreCase)
                ? CrossAzPolicy.Wait
                : CrossAzPolicy.Snapshot,
            InstanceAction = Get(tags, VolumeTags.InstanceAction) ?? "terminate",
            InterruptionId = Get(tags, VolumeTags.InterruptionId),
            Successor = Get(tags, VolumeTags.Successor),
            TargetInstance = Get(tags, VolumeTags.TargetInstance),
            Claim = Get(tags, VolumeTags.Claim),
            SnapshotId = Get(tags, VolumeTags.Snapshot),
            CopyVolumeId = Get(tags, VolumeTags.CopyVolume),
            InterruptionTime = DateTimeOffset.TryParse(Get(tags, VolumeTags.InterruptionTime), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out DateTimeOffset at) ? at : null,
        };
    }

    /// <summary>Formats a time for a tag value: ISO 8601 UTC, readable in the console.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    // An empty value is how a cleared tag is written (the port has no DeleteTags: fewer permissions).
    private static string? Get(IReadOnlyDictionary<string, string> tags, string key) =>
        tags.TryGetValue(key, out string? value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
