using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The EC2 operations the persistent-volume move uses. There is deliberately no operation that deletes a
/// volume or a snapshot, and detaching cannot be forced: MaxGroup must never be able to lose a user's data
/// volume, so the port that is the only way from the domain to EC2 cannot express it.
/// </summary>
public interface IVolumeApi
{
    /// <summary>DescribeInstances for one instance; null when EC2 does not know it (any more).</summary>
    Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Running and pending instances tagged `aws:autoscaling:groupName=<paramref name="groupName"/>`, optionally only
    /// those in one Availability Zone. Every page is read.
    /// </summary>
    Task<IReadOnlyList<InstanceFacts>> DescribeGroupInstancesAsync(string groupName, string? availabilityZone, CancellationToken cancellationToken);

    /// <summary>DescribeVolumes with the given filters (all of them must match). Every page is read.</summary>
    Task<IReadOnlyList<VolumeInfo>> DescribeVolumesAsync(VolumeFilter filter, CancellationToken cancellationToken);

    /// <summary>ModifyInstanceAttribute BlockDeviceMappings: sets DeleteOnTermination of the volume at a device.</summary>
    Task SetDeleteOnTerminationAsync(string instanceId, string deviceName, bool deleteOnTermination, CancellationToken cancellationToken);

    /// <summary>CreateTags: adds or overwrites tags on a volume or snapshot.</summary>
    Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>AttachVolume. EC2 refuses a volume that is not available and a device name already in use.</summary>
    Task AttachVolumeAsync(string volumeId, string instanceId, string deviceName, CancellationToken cancellationToken);

    /// <summary>DetachVolume, never with Force (which "can lead to data loss or a corrupted file system").</summary>
    Task DetachVolumeAsync(string volumeId, string instanceId, CancellationToken cancellationToken);

    /// <summary>CreateSnapshot with tags; returns the snapshot id.</summary>
    Task<string> CreateSnapshotAsync(string volumeId, string description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>DescribeSnapshots owned by this account, by id and/or tag filters.</summary>
    Task<IReadOnlyList<EbsSnapshotInfo>> DescribeSnapshotsAsync(SnapshotFilter filter, CancellationToken cancellationToken);

    /// <summary>CreateVolume from a snapshot with the given attributes and tags; returns the volume id.</summary>
    Task<string> CreateVolumeAsync(NewVolumeSpec spec, CancellationToken cancellationToken);
}

/// <summary>Filters of DescribeVolumes; null members do not filter.</summary>
public sealed record VolumeFilter
{
    public IReadOnlyList<string>? VolumeIds { get; init; }
    /// <summary>`attachment.instance-id`.</summary>
    public string? AttachedInstanceId { get; init; }
    public string? AvailabilityZone { get; init; }
    public string? SnapshotId { get; init; }
    /// <summary>`tag:KEY` filters: the tag must have one of the values.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Tags { get; init; }
}

/// <summary>Filters of DescribeSnapshots; null members do not filter.</summary>
public sealed record SnapshotFilter
{
    public IReadOnlyList<string>? SnapshotIds { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Tags { get; init; }
}

/// <summary>An EBS volume as DescribeVolumes reports it (the parts the move reads and copies).</summary>
public sealed record VolumeInfo
{
    public required string VolumeId { get; init; }
    public required string AvailabilityZone { get; init; }
    /// <summary>creating, available, in-use, deleting, deleted, error.</summary>
    public required string State { get; init; }
    public int Size { get; init; }
    public string? VolumeType { get; init; }
    public int? Iops { get; init; }
    public int? Throughput { get; init; }
    public bool Encrypted { get; init; }
    public string? KmsKeyId { get; init; }
    public string? SnapshotId { get; init; }
    public bool MultiAttachEnabled { get; init; }
    public IReadOnlyList<VolumeAttachmentInfo> Attachments { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>One attachment of a volume: attaching, attached, detaching, detached, busy.</summary>
public sealed record VolumeAttachmentInfo(string InstanceId, string Device, string State);

/// <summary>An EBS snapshot: state pending, completed, error (recoverable, recovering).</summary>
public sealed record EbsSnapshotInfo(string SnapshotId, string VolumeId, string State, string? Progress, IReadOnlyDictionary<string, string> Tags);

/// <summary>What CreateVolume is asked for: a copy of a volume, from its snapshot, in another Availability Zone.</summary>
public sealed record NewVolumeSpec
{
    public required string AvailabilityZone { get; init; }
    public required string SnapshotId { get; init; }
    public int Size { get; init; }
    public string? VolumeType { get; init; }
    public int? Iops { get; init; }
    public int? Throughput { get; init; }
    public bool Encrypted { get; init; }
    public string? KmsKeyId { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>Idempotency token: a retried CreateVolume with the same token creates no second volume.</summary>
    public string? ClientToken { get; init; }
}
