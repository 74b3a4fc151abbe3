namespace MaxGroup.Core.Model;

/// <summary>What one DescribeInstances call tells about an instance: everything the steps need.</summary>
public sealed record InstanceFacts
{
    public required string InstanceId { get; init; }
    /// <summary>The `aws:autoscaling:groupName` tag, or null when the instance is in no group.</summary>
    public string? GroupName { get; init; }
    public required string AvailabilityZone { get; init; }
    public string? SubnetId { get; init; }
    public string? VpcId { get; init; }
    public string? PrivateIpAddress { get; init; }
    public string? PrivateDnsName { get; init; }
    public required string InstanceType { get; init; }
    /// <summary>"spot" or "on-demand".</summary>
    public string Lifecycle { get; init; } = "on-demand";
    /// <summary>EC2 state name: pending, running, stopping, stopped, shutting-down, terminated.</summary>
    public required string State { get; init; }
    public LaunchTemplateRef? LaunchTemplate { get; init; }
    public IReadOnlyList<BlockDeviceFact> BlockDevices { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public DateTimeOffset? LaunchTime { get; init; }

    public bool IsGone => State is "terminated" or "shutting-down";
}

/// <summary>A launch template by id or name, with the version the group uses (`$Default`, `$Latest` or a number).</summary>
public sealed record LaunchTemplateRef(string? Id, string? Name, string? Version);

/// <summary>An EBS volume attached to an instance at a device name.</summary>
public sealed record BlockDeviceFact(string DeviceName, string VolumeId, bool DeleteOnTermination, string? AttachmentState = null);
