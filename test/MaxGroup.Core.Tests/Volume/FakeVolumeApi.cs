namespace MaxGroup.Core.Tests.Volume;

/// <summary>
/// An in-memory EC2 with the volume semantics the move relies on: DeleteOnTermination, attach only when available
/// and to a free device, detach, termination freeing (or deleting) volumes, snapshots and new volumes that take a
/// few looks to become ready. Records every mutating call.
/// </summary>
internal sealed class FakeVolumeApi : IVolumeApi
{
    private int _next = 1;

    public Dictionary<string, FakeInstance> Instances { get; } = [];
    public Dictionary<string, FakeVolume> Volumes { get; } = [];
    public Dictionary<string, FakeSnapshot> Snapshots { get; } = [];
    public List<string> Calls { get; } = [];

    /// <summary>How many DescribeSnapshots a new snapshot stays pending for.</summary>
    public int SnapshotPendingLooks { get; set; }
    public int VolumeCreatingLooks { get; set; }

    /// <summary>Runs before AttachVolume: lets a test race another trigger in.</summary>
    public Action<string, string>? BeforeAttach { get; set; }

    public FakeInstance AddInstance(string id, string zone, string? group = "web", string state = "running", DateTimeOffset? launched = null)
    {
        var instance = new FakeInstance { Id = id, Zone = zone, Group = group, State = state, LaunchTime = launched ?? DateTimeOffset.Parse("2026-11-24T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture) };
        Instances[id] = instance;
        return instance;
    }

    public FakeVolume AddVolume(string zone, string? attachTo = null, string? device = null, bool deleteOnTermination = true)
    {
        var volume = new FakeVolume { Id = $"vol-{_next++:D4}", Zone = zone, Size = 20, Type = "gp3", Iops = 3000, Throughput = 125 };
        Volumes[volume.Id] = volume;
        if (attachTo is not null)
        {
            volume.AttachedTo = attachTo;
            volume.Device = device;
            volume.AttachmentState = "attached";
            Instances[attachTo].Devices[device!] = (volume.Id, deleteOnTermination);
        }

        return volume;
    }

    public void Terminate(string instanceId)
    {
        FakeInstance instance = Instances[instanceId];
        instance.State = "terminated";
        foreach ((string device, (string volumeId, bool deleteOnTermination)) in instance.Devices)
        {
            if (deleteOnTermination)
            {
                Volumes.Remove(volumeId);
            }
            else
            {
                Free(Volumes[volumeId]);
            }
        }

        instance.Devices.Clear();
    }

    /// <summary>A stop or hibernate: the instance keeps its volumes.</summary>
    public void Stop(string instanceId) => Instances[instanceId].State = "stopped";

    /// <summary>Errors the next DescribeInstances answer with, one each, before it answers again.</summary>
    public Queue<RemoteApiException> DescribeInstanceFaults { get; } = new();

    /// <summary>How many DescribeInstances were asked, answered or not.</summary>
    public int DescribeInstanceCalls { get; private set; }

    public Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        DescribeInstanceCalls++;
        if (DescribeInstanceFaults.TryDequeue(out RemoteApiException? fault))
        {
            throw fault;
        }

        return Task.FromResult(Instances.TryGetValue(instanceId, out FakeInstance? i) ? i.ToFacts() : null);
    }

    public Task<IReadOnlyList<InstanceFacts>> DescribeGroupInstancesAsync(string groupName, string? availabilityZone, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<InstanceFacts>>(Instances.Values
            .Where(i => i.Group == groupName && (availabilityZone is null || i.Zone == availabilityZone) && i.State is "running" or "pending")
            .Select(i => i.ToFacts())
            .ToList());

    public Task<IReadOnlyList<VolumeInfo>> DescribeVolumesAsync(VolumeFilter filter, CancellationToken cancellationToken)
    {
        // Like an SDK call, a cancelled token ends the call.
        cancellationToken.ThrowIfCancellationRequested();
        IEnumerable<FakeVolume> found = Volumes.Values;
        if (filter.VolumeIds is not null)
        {
            found = found.Where(v => filter.VolumeIds.Contains(v.Id));
        }

        if (filter.AttachedInstanceId is not null)
        {
            found = found.Where(v => v.AttachedTo == filter.AttachedInstanceId);
        }

        if (filter.AvailabilityZone is not null)
        {
            found = found.Where(v => v.Zone == filter.AvailabilityZone);
        }

        if (filter.SnapshotId is not null)
        {
            found = found.Where(v => v.SnapshotId == filter.SnapshotId);
        }

        foreach ((string key, IReadOnlyList<string> values) in filter.Tags ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            found = found.Where(v => v.Tags.TryGetValue(key, out string? value) && values.Contains(value));
        }

        var result = new List<VolumeInfo>();
        foreach (FakeVolume volume in found.ToList())
        {
            if (volume.CreatingLooksLeft > 0)
            {
                volume.CreatingLooksLeft--;
            }

            result.Add(volume.ToInfo());
        }

        return Task.FromResult<IReadOnlyList<VolumeInfo>>(result);
    }

    public Task SetDeleteOnTerminationAsync(string instanceId, string deviceName, bool deleteOnTermination, CancellationToken cancellationToken)
    {
        Calls.Add($"ModifyInstanceAttribute {instanceId} {deviceName} {deleteOnTermination}");
        FakeInstance instance = Instances[instanceId];
        if (instance.State == "terminated")
        {
            throw new RemoteApiException("ec2", "IncorrectInstanceState", $"The instance '{instanceId}' is not in a state from which it can be modified.", 400);
        }

        (string volumeId, _) = instance.Devices[deviceName];
        instance.Devices[deviceName] = (volumeId, deleteOnTermination);
        return Task.CompletedTask;
    }

    public Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        Calls.Add($"CreateTags {resourceId} {string.Join(",", tags.Select(t => t.Key + "=" + t.Value))}");
        Dictionary<string, string> target = Volumes.TryGetValue(resourceId, out FakeVolume? v) ? v.Tags : Snapshots[resourceId].Tags;
        foreach ((string key, string value) in tags)
        {
            target[key] = value;
        }

        return Task.CompletedTask;
    }

    public Task AttachVolumeAsync(string volumeId, string instanceId, string deviceName, CancellationToken cancellationToken)
    {
        Calls.Add($"AttachVolume {volumeId} {instanceId} {deviceName}");
        BeforeAttach?.Invoke(volumeId, instanceId);
        FakeVolume volume = Volumes[volumeId];
        FakeInstance instance = Instances[instanceId];
        if (volume.State != "available")
        {
            throw new RemoteApiException("ec2", "VolumeInUse", $"{volumeId} is already attached to an instance", 400);
        }

        if (volume.Zone != instance.Zone)
        {
            throw new RemoteApiException("ec2", "InvalidVolume.ZoneMismatch", "zone mismatch", 400);
        }

        if (instance.Devices.ContainsKey(deviceName))
        {
            throw new RemoteApiException("ec2", "InvalidParameterValue", $"Invalid value '{deviceName}' for unixDevice. Attachment point {deviceName} is already in use", 400);
        }

        volume.AttachedTo = instanceId;
        volume.Device = deviceName;
        volume.AttachmentState = "attached";
        instance.Devices[deviceName] = (volumeId, false);
        return Task.CompletedTask;
    }

    public Task DetachVolumeAsync(string volumeId, string instanceId, CancellationToken cancellationToken)
    {
        Calls.Add($"DetachVolume {volumeId} {instanceId}");
        FakeVolume volume = Volumes[volumeId];
        if (volume.AttachedTo != instanceId)
        {
            throw new RemoteApiException("ec2", "IncorrectState", "not attached", 400);
        }

        Instances[instanceId].Devices.Remove(volume.Device!);
        Free(volume);
        return Task.CompletedTask;
    }

    public Task<string> CreateSnapshotAsync(string volumeId, string description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        Calls.Add($"CreateSnapshot {volumeId}");
        var snapshot = new FakeSnapshot { Id = $"snap-{_next++:D4}", VolumeId = volumeId, PendingLooksLeft = SnapshotPendingLooks };
        foreach ((string key, string value) in tags)
        {
            snapshot.Tags[key] = value;
        }

        Snapshots[snapshot.Id] = snapshot;
        return Task.FromResult(snapshot.Id);
    }

    public Task<IReadOnlyList<EbsSnapshotInfo>> DescribeSnapshotsAsync(SnapshotFilter filter, CancellationToken cancellationToken)
    {
        IEnumerable<FakeSnapshot> found = Snapshots.Values;
        if (filter.SnapshotIds is not null)
        {
            found = found.Where(s => filter.SnapshotIds.Contains(s.Id));
        }

        foreach ((string key, IReadOnlyList<string> values) in filter.Tags ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            found = found.Where(s => s.Tags.TryGetValue(key, out string? value) && values.Contains(value));
        }

        var result = new List<EbsSnapshotInfo>();
        foreach (FakeSnapshot snapshot in found.ToList())
        {
            string state = snapshot.PendingLooksLeft > 0 ? "pending" : "completed";
            snapshot.PendingLooksLeft--;
            result.Add(new EbsSnapshotInfo(snapshot.Id, snapshot.VolumeId, state, state == "pending" ? "40%" : "100%", new Dictionary<string, string>(snapshot.Tags)));
        }

        return Task.FromResult<IReadOnlyList<EbsSnapshotInfo>>(result);
    }

    public Task<string> CreateVolumeAsync(NewVolumeSpec spec, CancellationToken cancellationToken)
    {
        Calls.Add($"CreateVolume {spec.SnapshotId} {spec.AvailabilityZone}");
        var volume = new FakeVolume
        {
            Id = $"vol-{_next++:D4}",
            Zone = spec.AvailabilityZone,
            Size = spec.Size,
            Type = spec.VolumeType,
            Iops = spec.Iops,
            Throughput = spec.Throughput,
            Encrypted = spec.Encrypted,
            KmsKeyId = spec.KmsKeyId,
            SnapshotId = spec.SnapshotId,
            CreatingLooksLeft = VolumeCreatingLooks,
        };
        foreach ((string key, string value) in spec.Tags)
        {
            volume.Tags[key] = value;
        }

        Volumes[volume.Id] = volume;
        return Task.FromResult(volume.Id);
    }

    private static void Free(FakeVolume volume)
    {
        volume.AttachedTo = null;
        volume.Device = null;
        volume.AttachmentState = null;
    }
}

internal sealed class FakeInstance
{
    public required string Id { get; init; }
    public required string Zone { get; init; }
    public string? Group { get; set; }
    public string State { get; set; } = "running";
    public DateTimeOffset LaunchTime { get; set; }
    public Dictionary<string, (string VolumeId, bool DeleteOnTermination)> Devices { get; } = [];

    public InstanceFacts ToFacts() => new()
    {
        InstanceId = Id,
        AvailabilityZone = Zone,
        GroupName = Group,
        InstanceType = "m5.large",
        State = State,
        LaunchTime = LaunchTime,
        BlockDevices = Devices.Select(d => new BlockDeviceFact(d.Key, d.Value.VolumeId, d.Value.DeleteOnTermination, "attached")).ToList(),
    };
}

internal sealed class FakeVolume
{
    public required string Id { get; init; }
    public required string Zone { get; init; }
    public int Size { get; init; }
    public string? Type { get; init; }
    public int? Iops { get; init; }
    public int? Throughput { get; init; }
    public bool Encrypted { get; init; }
    public string? KmsKeyId { get; init; }
    public string? SnapshotId { get; init; }
    public string? AttachedTo { get; set; }
    public string? Device { get; set; }
    public string? AttachmentState { get; set; }
    public int CreatingLooksLeft { get; set; }
    public Dictionary<string, string> Tags { get; } = [];

    public string State => CreatingLooksLeft > 0 ? "creating" : AttachedTo is null ? "available" : "in-use";

    public VolumeInfo ToInfo() => new()
    {
        VolumeId = Id,
        AvailabilityZone = Zone,
        State = State,
        Size = Size,
        VolumeType = Type,
        Iops = Iops,
        Throughput = Throughput,
        Encrypted = Encrypted,
        KmsKeyId = KmsKeyId,
        SnapshotId = SnapshotId,
        Attachments = AttachedTo is null ? [] : [new VolumeAttachmentInfo(AttachedTo, Device!, AttachmentState!)],
        Tags = new Dictionary<string, string>(Tags),
    };
}

internal sealed class FakeSnapshot
{
    public required string Id { get; init; }
    public required string VolumeId { get; init; }
    public int PendingLooksLeft { get; set; }
    public Dictionary<string, string> Tags { get; } = [];
}
