using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using MaxGroup.Aws.Ec2;
using MaxGroup.Core.Steps.Volume;
using Ec2Volume = Amazon.EC2.Model.Volume;

namespace MaxGroup.Integration.Tests.Volume;

/// <summary>The volume move end to end against moto's EC2: DeleteOnTermination, termination, stop, attach states, snapshots.</summary>
[Collection(MotoCollection.Name)]
public sealed class VolumeMoveMotoTests : IDisposable
{
    private const string Group = "web-spot";
    private const string ZoneA = "us-east-1a";
    private const string ZoneB = "us-east-1b";
    private const string Ami = "ami-12c6146b";

    private readonly MotoFixture _moto;
    private readonly AmazonEC2Client _ec2;
    private readonly Ec2VolumeApi _api;
    private readonly VolumeMover _mover;

    public VolumeMoveMotoTests(MotoFixture moto)
    {
        _moto = moto;
        _ec2 = new AmazonEC2Client(
            new BasicAWSCredentials("testing", "testing"),
            new AmazonEC2Config { ServiceURL = moto.Endpoint, AuthenticationRegion = MotoFixture.Region });
        _api = new Ec2VolumeApi(_ec2);
        _mover = new VolumeMover(_api, TimeProvider.System, NullLogger.Instance, options: new VolumeMoverOptions { MaxWait = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(200) });
    }

    public void Dispose() => _ec2.Dispose();

    [Fact]
    public async Task Warning_TerminateThenStateChange_AttachesToSuccessorAsXvdz()
    {
        await _moto.ResetAsync();
        string doomed = await RunFromTemplateAsync(ZoneA);
        string successor = await RunFromTemplateAsync(ZoneA);
        string volumeId = await DataVolumeAsync(doomed);

        StepOutcome prepared = await _mover.PrepareAsync(await RequestAsync(doomed, successor), CancellationToken.None);

        Assert.Equal(StepStatus.Waiting, prepared.Status);
        InstanceBlockDeviceMapping sdf = (await InstanceAsync(doomed)).BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf");
        Assert.False(sdf.Ebs.DeleteOnTermination);
        Assert.Equal("pending", (await VolumeAsync(volumeId)).Tags.Single(t => t.Key == VolumeTags.Status).Value);

        await _ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] });
        VolumeMoveResult moved = Assert.Single(await _mover.OnInstanceStateChangeAsync(doomed, "terminated", CancellationToken.None));
        IReadOnlyList<VolumeMoveResult> duplicate = await _mover.OnInstanceStateChangeAsync(doomed, "terminated", CancellationToken.None);

        Assert.Equal(StepStatus.Done, moved.Outcome.Status);
        Assert.Empty(duplicate);
        Ec2Volume volume = await VolumeAsync(volumeId);
        Assert.Equal("in-use", volume.State.Value);
        VolumeAttachment attachment = Assert.Single(volume.Attachments);
        Assert.Equal((successor, "/dev/xvdz"), (attachment.InstanceId, attachment.Device));
        Assert.Equal("attached", volume.Tags.Single(t => t.Key == VolumeTags.Status).Value);
        Assert.Contains((await InstanceAsync(successor)).BlockDeviceMappings, b => b.DeviceName == "/dev/xvdz" && b.Ebs.VolumeId == volumeId);
    }

    [Fact]
    public async Task Events_DuplicatedAndOutOfOrder_LaunchBeforeTerminated_StillOneAttach()
    {
        await _moto.ResetAsync();
        string doomed = await RunFromTemplateAsync(ZoneA);
        string volumeId = await DataVolumeAsync(doomed);
        await _mover.PrepareAsync(await RequestAsync(doomed, null), CancellationToken.None);
        await _mover.PrepareAsync(await RequestAsync(doomed, null), CancellationToken.None);
        string successor = await RunFromTemplateAsync(ZoneA);

        VolumeMoveResult early = Assert.Single(await _mover.OnInstanceLaunchedAsync(Group, successor, CancellationToken.None));
        Assert.Equal(StepStatus.Waiting, early.Outcome.Status);
        Assert.Equal(doomed, Assert.Single((await VolumeAsync(volumeId)).Attachments).InstanceId);

        await _ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] });
        VolumeMoveResult done = Assert.Single(await _mover.OnInstanceStateChangeAsync(doomed, "terminated", CancellationToken.None));
        IReadOnlyList<VolumeMoveResult> lateLaunch = await _mover.OnInstanceLaunchedAsync(Group, successor, CancellationToken.None);

        Assert.Equal(StepStatus.Done, done.Outcome.Status);
        Assert.Empty(lateLaunch);
        Assert.Equal((successor, "/dev/xvdz"), AttachedAt(await VolumeAsync(volumeId)));
    }

    [Fact]
    public async Task TerminatedBeforeAnySuccessor_WaitsThenLaunchEventAttaches()
    {
        await _moto.ResetAsync();
        string doomed = await RunFromTemplateAsync(ZoneA);
        string volumeId = await DataVolumeAsync(doomed);
        string elsewhere = await RunFromTemplateAsync(ZoneB);
        await _mover.PrepareAsync(await RequestAsync(doomed, null), CancellationToken.None);
        await _ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] });

        VolumeMoveResult waiting = Assert.Single(await _mover.OnInstanceStateChangeAsync(doomed, "terminated", CancellationToken.None));
        Assert.Equal(StepStatus.Waiting, waiting.Outcome.Status);
        Assert.Equal("available", (await VolumeAsync(volumeId)).State.Value);
        Assert.Empty(await _mover.OnInstanceLaunchedAsync(Group, elsewhere, CancellationToken.None));
        VolumeSweepReport report = await _mover.SweepAsync(CancellationToken.None);
        Assert.Equal(volumeId, Assert.Single(report.StillPending).VolumeId);

        string successor = await RunFromTemplateAsync(ZoneA);
        VolumeMoveResult done = Assert.Single(await _mover.OnInstanceLaunchedAsync(Group, successor, CancellationToken.None));

        Assert.Equal(StepStatus.Done, done.Outcome.Status);
        Assert.Equal((successor, "/dev/xvdz"), AttachedAt(await VolumeAsync(volumeId)));
    }

    [Fact]
    public async Task StopInterruption_StoppedSource_DetachedWithoutForceAndAttached()
    {
        await _moto.ResetAsync();
        string doomed = await RunFromTemplateAsync(ZoneA);
        string successor = await RunFromTemplateAsync(ZoneA);
        string volumeId = await DataVolumeAsync(doomed);
        await _mover.PrepareAsync(await RequestAsync(doomed, successor, action: "stop"), CancellationToken.None);
        Assert.Equal(doomed, AttachedAt(await VolumeAsync(volumeId)).InstanceId);

        await _ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [doomed] });
        VolumeMoveResult moved = Assert.Single(await _mover.OnInstanceStateChangeAsync(doomed, "stopped", CancellationToken.None));

        Assert.Equal(StepStatus.Done, moved.Outcome.Status);
        Assert.Equal((successor, "/dev/xvdz"), AttachedAt(await VolumeAsync(volumeId)));
        Assert.DoesNotContain((await InstanceAsync(doomed)).BlockDeviceMappings, b => b.DeviceName == "/dev/sdf");
        Assert.Equal("stopped", (await InstanceAsync(doomed)).State.Name.Value);
    }

    [Fact]
    public async Task SuccessorInOtherZone_Snapshot_CopyHasSameAttributesAndTags_OriginalKept()
    {
        await _moto.ResetAsync();
        string keyArn = await KmsKeyAsync();
        string doomed = await RunAsync(ZoneA, null);
        CreateVolumeResponse created = await _ec2.CreateVolumeAsync(new CreateVolumeRequest
        {
            AvailabilityZone = ZoneA,
            Size = 50,
            VolumeType = VolumeType.Gp3,
            Iops = 4000,
            Throughput = 250,
            Encrypted = true,
            KmsKeyId = keyArn,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Volume, Tags = [new Tag("app", "db"), new Tag("team", "data")] }],
        });
        string volumeId = created.Volume.VolumeId;
        await _ec2.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = volumeId, InstanceId = doomed, Device = "/dev/sdf" });
        string successor = await RunAsync(ZoneB, null);

        await _mover.PrepareAsync(await RequestAsync(doomed, successor), CancellationToken.None);
        await _ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] });
        VolumeMoveResult moved = Assert.Single(await _mover.OnInstanceStateChangeAsync(doomed, "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Done, moved.Outcome.Status);
        Ec2Volume original = await VolumeAsync(volumeId);
        Assert.Equal("available", original.State.Value);
        Assert.Equal("source-kept", Tag(original, VolumeTags.Status));
        string copyId = Tag(original, VolumeTags.CopyVolume);
        Ec2Volume copy = await VolumeAsync(copyId);
        Assert.Equal(ZoneB, copy.AvailabilityZone);
        Assert.Equal((50, "gp3", 4000, 250, true, keyArn), (copy.Size, copy.VolumeType.Value, copy.Iops, copy.Throughput, copy.Encrypted, copy.KmsKeyId));
        Assert.Equal(Tag(original, VolumeTags.Snapshot), copy.SnapshotId);
        Assert.Equal(("db", "data", volumeId, "attached"), (Tag(copy, "app"), Tag(copy, "team"), Tag(copy, VolumeTags.SourceVolume), Tag(copy, VolumeTags.Status)));
        Assert.Equal((successor, "/dev/xvdz"), AttachedAt(copy));
        DescribeSnapshotsResponse snapshots = await _ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { OwnerIds = ["self"] });
        Assert.Single(snapshots.Snapshots, s => s.VolumeId == volumeId);

        Assert.Empty((await _mover.SweepAsync(CancellationToken.None)).Results);
    }

    [Fact]
    public async Task Sweep_EventsLost_CompletesTheMove()
    {
        await _moto.ResetAsync();
        string doomed = await RunFromTemplateAsync(ZoneA);
        string volumeId = await DataVolumeAsync(doomed);
        await _mover.PrepareAsync(await RequestAsync(doomed, null), CancellationToken.None);
        await _ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] });
        string successor = await RunFromTemplateAsync(ZoneA);

        VolumeSweepReport report = await _mover.SweepAsync(CancellationToken.None);

        Assert.Equal(1, report.Completed);
        Assert.Empty(report.StillPending);
        Assert.Equal((successor, "/dev/xvdz"), AttachedAt(await VolumeAsync(volumeId)));
    }

    [Fact]
    public async Task RecordedSuccessor_DeviceAlreadyInUse_FailsClearlyAndLeavesVolumeAvailable()
    {
        await _moto.ResetAsync();
        string doomed = await RunFromTemplateAsync(ZoneA);
        string successor = await RunFromTemplateAsync(ZoneA);
        string volumeId = await DataVolumeAsync(doomed);
        string squatter = (await _ec2.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = ZoneA, Size = 1 })).Volume.VolumeId;
        await _ec2.AttachVolumeAsync(new AttachVolumeRequest { VolumeId = squatter, InstanceId = successor, Device = "/dev/xvdz" });
        await _mover.PrepareAsync(await RequestAsync(doomed, successor), CancellationToken.None);
        await _ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] });

        VolumeMoveResult result = Assert.Single(await _mover.OnInstanceStateChangeAsync(doomed, "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Failed, result.Outcome.Status);
        Assert.Contains($"device /dev/xvdz is already in use on {successor} by {squatter}", result.Outcome.Reason, StringComparison.Ordinal);
        Ec2Volume volume = await VolumeAsync(volumeId);
        Assert.Equal("available", volume.State.Value);
        Assert.Equal("pending", Tag(volume, VolumeTags.Status));
        Assert.Equal((successor, "/dev/xvdz"), AttachedAt(await VolumeAsync(squatter)));
    }

    [Fact]
    public async Task Warning_NoVolumeAtPersistenceDev_FailsWithReason()
    {
        await _moto.ResetAsync();
        string doomed = await RunAsync(ZoneA, null);

        StepOutcome outcome = await _mover.PrepareAsync(await RequestAsync(doomed, null), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("no EBS volume is attached at /dev/sdf", outcome.Reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// Records what moto does and real EC2 does not: it accepts AttachVolume of an in-use volume and of a device
    /// already in use. The move therefore checks both itself before attaching (see the device-in-use test).
    /// DescribeVolumes does show attachments and states faithfully.
    /// </summary>
    [Fact]
    public async Task Moto_AttachInUseVolume_IsAcceptedAndDescribeVolumesShowsAttachments()
    {
        await _moto.ResetAsync();
        string first = await RunAsync(ZoneA, null);
        string second = await RunAsync(ZoneA, null);
        string volumeId = (await _ec2.CreateVolumeAsync(new CreateVolumeRequest { AvailabilityZone = ZoneA, Size = 1 })).Volume.VolumeId;
        await _api.AttachVolumeAsync(volumeId, first, "/dev/sdg", CancellationToken.None);
        VolumeInfo attached = Assert.Single(await _api.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [volumeId] }, CancellationToken.None));
        Assert.Equal("in-use", attached.State);
        Assert.Equal(first, Assert.Single(attached.Attachments).InstanceId);
        Assert.Equal(volumeId, Assert.Single(await _api.DescribeVolumesAsync(new VolumeFilter { AttachedInstanceId = first, VolumeIds = [volumeId] }, CancellationToken.None)).VolumeId);

        Exception? inUse = await Record.ExceptionAsync(() => _api.AttachVolumeAsync(volumeId, second, "/dev/sdg", CancellationToken.None));

        Assert.Null(inUse);
        VolumeInfo moved = Assert.Single(await _api.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [volumeId] }, CancellationToken.None));
        Assert.Equal(second, Assert.Single(moved.Attachments).InstanceId);
        await _api.DetachVolumeAsync(volumeId, second, CancellationToken.None);
        VolumeInfo free = Assert.Single(await _api.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [volumeId] }, CancellationToken.None));
        Assert.Equal("available", free.State);
        Assert.Empty(free.Attachments);
    }

    private async Task<RemediationRequest> RequestAsync(string instanceId, string? successor, string action = "terminate")
    {
        InstanceFacts facts = await _api.DescribeInstanceAsync(instanceId, CancellationToken.None) ?? throw new InvalidOperationException(instanceId);
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        return new RemediationRequest
        {
            Step = StepNames.Volume,
            EventId = "evt-" + instanceId,
            InstanceAction = action,
            WarningTime = now,
            ReclaimAt = now.AddSeconds(120),
            Instance = facts,
            Config = new GroupConfig { GroupName = Group, PersistenceDev = "/dev/sdf" },
            SuccessorInstanceId = successor,
        };
    }

    private async Task<string> RunFromTemplateAsync(string zone)
    {
        const string template = "maxgroup-data";
        DescribeLaunchTemplatesResponse existing = await _ec2.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest());
        if (existing.LaunchTemplates?.Any(t => t.LaunchTemplateName == template) != true)
        {
            await _ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
            {
                LaunchTemplateName = template,
                LaunchTemplateData = new RequestLaunchTemplateData
                {
                    ImageId = Ami,
                    InstanceType = InstanceType.T3Micro,
                    BlockDeviceMappings =
                    [
                        new LaunchTemplateBlockDeviceMappingRequest
                        {
                            DeviceName = "/dev/sdf",
                            Ebs = new LaunchTemplateEbsBlockDeviceRequest { VolumeSize = 10, VolumeType = VolumeType.Gp3, DeleteOnTermination = true },
                        },
                    ],
                },
            });
        }

        return await RunAsync(zone, template);
    }

    private async Task<string> RunAsync(string zone, string? template)
    {
        var request = new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            Placement = new Placement { AvailabilityZone = zone },
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("aws:autoscaling:groupName", Group)] }],
        };
        if (template is null)
        {
            request.ImageId = Ami;
            request.InstanceType = InstanceType.T3Micro;
        }
        else
        {
            request.LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = template };
        }

        RunInstancesResponse response = await _ec2.RunInstancesAsync(request);
        return response.Reservation.Instances[0].InstanceId;
    }

    private async Task<string> DataVolumeAsync(string instanceId) =>
        (await InstanceAsync(instanceId)).BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;

    private async Task<Instance> InstanceAsync(string instanceId) =>
        (await _ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0];

    private async Task<Ec2Volume> VolumeAsync(string volumeId) =>
        (await _ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] })).Volumes[0];

    private async Task<string> KmsKeyAsync()
    {
        // moto's KMS speaks JSON 1.1; one CreateKey is all the encrypted-copy check needs.
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _moto.Endpoint + "/")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.Add("X-Amz-Target", "TrentService.CreateKey");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261124/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0");
        using HttpResponseMessage response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
    }

    private static (string InstanceId, string Device) AttachedAt(Ec2Volume volume)
    {
        VolumeAttachment attachment = Assert.Single(volume.Attachments);
        return (attachment.InstanceId, attachment.Device);
    }

    private static string Tag(Ec2Volume volume, string key) => volume.Tags.Single(t => t.Key == key).Value;
}
