using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Ec2;
using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Integration.Tests.Volume;

/// <summary>The volume move with a real Auto Scaling group in moto: the successor is the group's own replacement.</summary>
[Collection(MotoCollection.Name)]
public sealed class VolumeMoveAutoScalingMotoTests(MotoFixture moto)
{
    private const string Group = "web-data";
    private const string Zone = "us-east-1a";

    [Fact]
    public async Task GroupMember_DetachedAndTerminated_VolumeFollowsToInServiceReplacement()
    {
        await moto.ResetAsync();
        using AwsClientFactory factory = AwsTestClients.MotoFactory(moto);
        IAmazonEC2 ec2 = factory.Ec2;
        AutoScalingClient autoScaling = factory.AutoScaling;
        var scene = new MotoScene(factory);
        await scene.LaunchTemplateAsync("web-data", InstanceType.T3Micro, "/dev/sdf", dataVolumeGiB: 10);
        await scene.GroupAsync(Group, "web-data", min: 0, max: 3, desired: 1, zones: [Zone]);
        var api = new Ec2VolumeApi(ec2);
        var mover = new VolumeMover(api, TimeProvider.System, NullLogger.Instance, autoScaling: autoScaling,
            options: new VolumeMoverOptions { MaxWait = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(200) });
        string doomed = Assert.Single((await autoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None))[0].Instances).InstanceId;
        InstanceFacts facts = await api.DescribeInstanceAsync(doomed, CancellationToken.None) ?? throw new InvalidOperationException(doomed);
        string volumeId = facts.BlockDevices.Single(b => b.DeviceName == "/dev/sdf").VolumeId;
        // A newer instance in the zone that is not in the group must never get the volume.
        RunInstancesResponse outsider = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = "ami-12c6146b",
            InstanceType = InstanceType.T3Micro,
            MinCount = 1,
            MaxCount = 1,
            Placement = new Placement { AvailabilityZone = Zone },
        });
        DateTimeOffset now = TimeProvider.System.GetUtcNow();

        StepOutcome prepared = await mover.PrepareAsync(
            new RemediationRequest
            {
                Step = StepNames.Volume,
                EventId = "evt-asg",
                WarningTime = now,
                ReclaimAt = now.AddSeconds(120),
                Instance = facts,
                Config = new GroupConfig { GroupName = Group, PersistenceDev = "/dev/sdf" },
            },
            CancellationToken.None);
        Assert.Equal(StepStatus.Waiting, prepared.Status);
        await autoScaling.DetachInstancesAsync(Group, [doomed], shouldDecrementDesiredCapacity: false, CancellationToken.None);
        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] });
        VolumeMoveResult moved = Assert.Single(await mover.OnInstanceStateChangeAsync(doomed, "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Done, moved.Outcome.Status);
        string replacement = Assert.Single((await autoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None))[0].Instances).InstanceId;
        Assert.NotEqual(doomed, replacement);
        VolumeInfo volume = Assert.Single(await api.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [volumeId] }, CancellationToken.None));
        VolumeAttachmentInfo attachment = Assert.Single(volume.Attachments);
        Assert.Equal((replacement, "/dev/xvdz"), (attachment.InstanceId, attachment.Device));
        Assert.NotEqual(outsider.Reservation.Instances[0].InstanceId, attachment.InstanceId);
    }
}
