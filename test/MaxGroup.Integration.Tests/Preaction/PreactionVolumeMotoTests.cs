using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Preaction;
using MaxGroup.Core.Preaction;
using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Integration.Tests.Preaction;

/// <summary>A swap in a group with persistence_dev on moto: the data volume survives the termination and follows to the successor.</summary>
[Collection(MotoCollection.Name)]
public sealed class PreactionVolumeMotoTests(MotoFixture moto)
{
    private const string Group = "web-data";

    [Fact]
    public async Task Run_GroupWithDataVolume_VolumeKeptAndAttachedToTheSuccessor()
    {
        await moto.ResetAsync();
        using AwsClientFactory factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        IAmazonEC2 ec2 = factory.Ec2;
        await factory.DynamoDb.CreateTableAsync(DynamoDbPreactionBatchStore.Definition("preaction-volume"));
        var scene = new MotoScene(factory);
        await scene.LaunchTemplateAsync("lt-data", InstanceType.C5Large, "/dev/sdf", dataVolumeGiB: 10);
        string subnet = (await scene.DefaultSubnetIdsAsync())[0];
        await scene.GroupAsync(Group, "lt-data", min: 0, max: 3, desired: 0);
        RunInstancesResponse launched = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = "lt-data", Version = "$Default" },
            SubnetId = subnet,
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot },
        });
        string doomed = launched.Reservation.Instances[0].InstanceId;
        await factory.AutoScaling.AttachInstancesAsync(Group, [doomed], CancellationToken.None);
        await factory.AutoScaling.UpdateAutoScalingGroupAsync(Group, 1, 3, CancellationToken.None);
        var volumes = new Ec2VolumeApi(ec2);
        string dataVolume = (await volumes.DescribeInstanceAsync(doomed, CancellationToken.None))!.BlockDevices.Single(b => b.DeviceName == "/dev/sdf").VolumeId;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero));
        var executor = new PreactionExecutor(
            factory.AutoScaling,
            new Ec2PreactionInstanceApi(ec2),
            new Ec2SuccessorLauncher(ec2),
            new DynamoDbPreactionBatchStore(factory.DynamoDb, "preaction-volume"),
            new FakeSpotAdvisor(SpotAdvisorSnapshot.Data.WithOrigin("test", isFallback: false)),
            new VolumeMover(volumes, TimeProvider.System, NullLogger.Instance, autoScaling: factory.AutoScaling,
                options: new VolumeMoverOptions { MaxWait = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(200) }),
            [],
            clock,
            NullMetrics.Instance,
            NullLogger.Instance,
            new PreactionOptions { Region = MotoFixture.Region });
        var config = new GroupConfig
        {
            GroupName = Group,
            IsEnablePreaction = true,
            MaxNumOfTerminatedOneTime = 1,
            PreactionDetachDelaySeconds = 0,
            PreactionTerminationDelaySeconds = 0,
            PersistenceDev = "/dev/sdf",
            AlternativeInstanceTypes = ["m5.large"],
        };

        PreactionGroupResult result = await executor.RunGroupAsync(config, false, CancellationToken.None);

        PreactionSwap swap = Assert.Single(result.Batch!.Swaps);
        Assert.True(swap.Phase == SwapPhase.Done, $"{swap.Phase}: {swap.Note}; {string.Join(" | ", result.Actions)}");
        VolumeInfo volume = Assert.Single(await volumes.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [dataVolume] }, CancellationToken.None));
        VolumeAttachmentInfo attachment = Assert.Single(volume.Attachments);
        Assert.Equal((swap.SuccessorInstanceId, "/dev/xvdz"), (attachment.InstanceId, attachment.Device));
        Assert.Equal("us-east-1a", volume.AvailabilityZone);
    }
}
