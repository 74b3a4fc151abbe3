using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ec2;

/// <summary>
/// <see cref="IVolumeApi"/> on AWSSDK.EC2. Translates requests and answers only; every decision is the domain's.
/// Like the port, it offers no way to delete a volume or snapshot and never detaches with Force.
/// </summary>
public sealed class Ec2VolumeApi(IAmazonEC2 ec2) : IVolumeApi
{
    private const string GroupTag = "aws:autoscaling:groupName";

    public async Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            DescribeInstancesResponse response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken);
            Instance? instance = (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).FirstOrDefault(i => i.InstanceId == instanceId);
            return instance is null ? null : ToFacts(instance);
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed")
        {
            return null;
        }
        catch (AmazonServiceException ex)
        {
            throw Translate(ex);
        }
    }

    public async Task<IReadOnlyList<InstanceFacts>> DescribeGroupInstancesAsync(string groupName, string? availabilityZone, CancellationToken cancellationToken)
    {
        var filters = new List<Filter>
        {
            new() { Name = "tag:" + GroupTag, Values = [groupName] },
            new() { Name = "instance-state-name", Values = ["pending", "running"] },
        };
        var result = new List<InstanceFacts>();
        string? token = null;
        try
        {
            do
            {
                DescribeInstancesResponse response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = filters, NextToken = token }, cancellationToken);
                // The zone is matched here, not by the availability-zone filter: a group spans few zones, and moto
                // answers that filter with nothing, which would hide every candidate in tests.
                result.AddRange((response.Reservations ?? []).SelectMany(r => r.Instances ?? [])
                    .Where(i => availabilityZone is null || i.Placement?.AvailabilityZone == availabilityZone)
                    .Select(ToFacts));
                token = response.NextToken;
            }
            while (!string.IsNullOrEmpty(token));
        }
        catch (AmazonServiceException ex)
        {
            throw Translate(ex);
        }

        return result;
    }

    public async Task<IReadOnlyList<VolumeInfo>> DescribeVolumesAsync(VolumeFilter filter, CancellationToken cancellationToken)
    {
        var filters = new List<Filter>();
        if (filter.AttachedInstanceId is not null)
        {
            filters.Add(new Filter { Name = "attachment.instance-id", Values = [filter.AttachedInstanceId] });
        }

        if (filter.SnapshotId is not null)
        {
            filters.Add(new Filter { Name = "snapshot-id", Values = [filter.SnapshotId] });
        }

        filters.AddRange(TagFilters(filter.Tags));
        var result = new List<VolumeInfo>();
        string? token = null;
        try
        {
            do
            {
                var request = new DescribeVolumesRequest { NextToken = token };
                if (filters.Count > 0)
                {
                    request.Filters = filters;
                }

                if (filter.VolumeIds is { Count: > 0 })
                {
                    request.VolumeIds = [.. filter.VolumeIds];
                }

                DescribeVolumesResponse response = await ec2.DescribeVolumesAsync(request, cancellationToken);
                // The zone is matched here too, for the same reason as in DescribeGroupInstancesAsync.
                result.AddRange((response.Volumes ?? [])
                    .Where(v => filter.AvailabilityZone is null || v.AvailabilityZone == filter.AvailabilityZone)
                    .Select(ToInfo));
                token = response.NextToken;
            }
            while (!string.IsNullOrEmpty(token));
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode == "InvalidVolume.NotFound")
        {
            // Asking for a volume by id that no longer exists is an answer, not an error.
            return [];
        }
        catch (AmazonServiceException ex)
        {
            throw Translate(ex);
        }

        return result;
    }

    public Task SetDeleteOnTerminationAsync(string instanceId, string deviceName, bool deleteOnTermination, CancellationToken cancellationToken) =>
        CallAsync(() => ec2.ModifyInstanceAttributeAsync(
            new ModifyInstanceAttributeRequest
            {
                InstanceId = instanceId,
                BlockDeviceMappings =
                [
                    new InstanceBlockDeviceMappingSpecification
                    {
                        DeviceName = deviceName,
                        Ebs = new EbsInstanceBlockDeviceSpecification { DeleteOnTermination = deleteOnTermination },
                    },
                ],
            },
            cancellationToken));

    public Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        CallAsync(() => ec2.CreateTagsAsync(
            new CreateTagsRequest { Resources = [resourceId], Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList() },
            cancellationToken));

    public Task AttachVolumeAsync(string volumeId, string instanceId, string deviceName, CancellationToken cancellationToken) =>
        CallAsync(() => ec2.AttachVolumeAsync(
            new AttachVolumeRequest { VolumeId = volumeId, InstanceId = instanceId, Device = deviceName },
            cancellationToken));

    // Force is never set: the request type allows it, this adapter never does.
    public Task DetachVolumeAsync(string volumeId, string instanceId, CancellationToken cancellationToken) =>
        CallAsync(() => ec2.DetachVolumeAsync(
            new DetachVolumeRequest { VolumeId = volumeId, InstanceId = instanceId },
            cancellationToken));

    public async Task<string> CreateSnapshotAsync(string volumeId, string description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        try
        {
            CreateSnapshotResponse response = await ec2.CreateSnapshotAsync(
                new CreateSnapshotRequest
                {
                    VolumeId = volumeId,
                    Description = description,
                    TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList() }],
                },
                cancellationToken);
            return response.Snapshot.SnapshotId;
        }
        catch (AmazonServiceException ex)
        {
            throw Translate(ex);
        }
    }

    public async Task<IReadOnlyList<EbsSnapshotInfo>> DescribeSnapshotsAsync(SnapshotFilter filter, CancellationToken cancellationToken)
    {
        var result = new List<EbsSnapshotInfo>();
        string? token = null;
        try
        {
            do
            {
                var request = new DescribeSnapshotsRequest { OwnerIds = ["self"], NextToken = token };
                List<Filter> filters = TagFilters(filter.Tags).ToList();
                if (filters.Count > 0)
                {
                    request.Filters = filters;
                }

                if (filter.SnapshotIds is { Count: > 0 })
                {
                    request.SnapshotIds = [.. filter.SnapshotIds];
                }

                DescribeSnapshotsResponse response = await ec2.DescribeSnapshotsAsync(request, cancellationToken);
                result.AddRange((response.Snapshots ?? []).Select(s => new EbsSnapshotInfo(
                    s.SnapshotId,
                    s.VolumeId ?? "",
                    s.State?.Value ?? "pending",
                    s.Progress,
                    ToDictionary(s.Tags))));
                token = response.NextToken;
            }
            while (!string.IsNullOrEmpty(token));
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode == "InvalidSnapshot.NotFound")
        {
            return [];
        }
        catch (AmazonServiceException ex)
        {
            throw Translate(ex);
        }

        return result;
    }

    public async Task<string> CreateVolumeAsync(NewVolumeSpec spec, CancellationToken cancellationToken)
    {
        var request = new CreateVolumeRequest
        {
            AvailabilityZone = spec.AvailabilityZone,
            SnapshotId = spec.SnapshotId,
            Size = spec.Size > 0 ? spec.Size : null,
            Encrypted = spec.Encrypted,
            ClientToken = spec.ClientToken,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Volume, Tags = spec.Tags.Select(t => new Tag(t.Key, t.Value)).ToList() }],
        };
        if (spec.VolumeType is not null)
        {
            request.VolumeType = VolumeType.FindValue(spec.VolumeType);
        }

        // IOPS and throughput are accepted only by the types that provision them (io1/io2/gp3; gp3 for throughput).
        if (spec.Iops is { } iops && spec.VolumeType is "io1" or "io2" or "gp3")
        {
            request.Iops = iops;
        }

        if (spec.Throughput is { } throughput && spec.VolumeType == "gp3")
        {
            request.Throughput = throughput;
        }

        if (spec.Encrypted && spec.KmsKeyId is not null)
        {
            request.KmsKeyId = spec.KmsKeyId;
        }

        try
        {
            CreateVolumeResponse response = await ec2.CreateVolumeAsync(request, cancellationToken);
            return response.Volume.VolumeId;
        }
        catch (AmazonServiceException ex)
        {
            throw Translate(ex);
        }
    }

    private static async Task CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
        }
        catch (AmazonServiceException ex)
        {
            throw Translate(ex);
        }
    }

    private static RemoteApiException Translate(AmazonServiceException ex) =>
        new("ec2", ex.ErrorCode ?? "Unknown", ex.Message, (int)ex.StatusCode, ex);

    private static IEnumerable<Filter> TagFilters(IReadOnlyDictionary<string, IReadOnlyList<string>>? tags) =>
        tags is null ? [] : tags.Select(t => new Filter { Name = "tag:" + t.Key, Values = [.. t.Value] });

    private static Dictionary<string, string> ToDictionary(List<Tag>? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Tag tag in tags ?? [])
        {
            result[tag.Key] = tag.Value ?? "";
        }

        return result;
    }

    private static VolumeInfo ToInfo(Volume volume) => new()
    {
        VolumeId = volume.VolumeId,
        AvailabilityZone = volume.AvailabilityZone,
        State = volume.State?.Value ?? "unknown",
        Size = volume.Size ?? 0,
        VolumeType = volume.VolumeType?.Value,
        Iops = volume.Iops,
        Throughput = volume.Throughput,
        Encrypted = volume.Encrypted ?? false,
        KmsKeyId = volume.KmsKeyId,
        SnapshotId = string.IsNullOrEmpty(volume.SnapshotId) ? null : volume.SnapshotId,
        MultiAttachEnabled = volume.MultiAttachEnabled ?? false,
        Attachments = (volume.Attachments ?? [])
            .Where(a => a.State?.Value != "detached")
            .Select(a => new VolumeAttachmentInfo(a.InstanceId, a.Device, a.State?.Value ?? "unknown"))
            .ToList(),
        Tags = ToDictionary(volume.Tags),
    };

    private static InstanceFacts ToFacts(Instance instance)
    {
        Dictionary<string, string> tags = ToDictionary(instance.Tags);
        return new InstanceFacts
        {
            InstanceId = instance.InstanceId,
            GroupName = tags.GetValueOrDefault(GroupTag),
            AvailabilityZone = instance.Placement?.AvailabilityZone ?? "",
            SubnetId = instance.SubnetId,
            VpcId = instance.VpcId,
            PrivateIpAddress = instance.PrivateIpAddress,
            PrivateDnsName = instance.PrivateDnsName,
            InstanceType = instance.InstanceType?.Value ?? "",
            Lifecycle = instance.InstanceLifecycle?.Value == "spot" ? "spot" : "on-demand",
            State = instance.State?.Name?.Value ?? "unknown",
            BlockDevices = (instance.BlockDeviceMappings ?? [])
                .Where(b => b.Ebs is not null)
                .Select(b => new BlockDeviceFact(b.DeviceName, b.Ebs.VolumeId, b.Ebs.DeleteOnTermination ?? false, b.Ebs.Status?.Value))
                .ToList(),
            Tags = tags,
            LaunchTime = instance.LaunchTime is { } launched ? new DateTimeOffset(DateTime.SpecifyKind(launched, DateTimeKind.Utc)) : null,
        };
    }
}
