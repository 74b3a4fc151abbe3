using Amazon.EC2.Model;

namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>
/// The crash drill's scene: the demo's Spot group (<see cref="DemoScene"/>: three instances over two zones, a launch
/// template whose data volume at /dev/sdf has DeleteOnTermination true, launch strategy, persistence_dev /dev/sdf),
/// the ledger table, the doomed instance and its data volume, and the group as it was before anything happened.
/// </summary>
public sealed record CrashScene(AutoScalingGroupInfo Before, string Doomed, string Zone, string VolumeId, DateTimeOffset ReclaimAt)
{
    public static async Task<CrashScene> BuildAsync(AwsClientFactory aws, string ledgerTable)
    {
        await DemoScene.BuildAsync(aws, DemoScenario.Basic, CancellationToken.None);
        await MaxGroup.Aws.Ledger.LedgerTable.CreateIfMissingAsync(aws.DynamoDb, ledgerTable, TimeProvider.System, CancellationToken.None);
        AutoScalingGroupInfo before = await DemoScene.DescribeGroupAsync(aws, CancellationToken.None);
        AutoScalingInstanceInfo doomed = before.Instances.OrderBy(i => i.AvailabilityZone, StringComparer.Ordinal).ThenBy(i => i.InstanceId, StringComparer.Ordinal).First();
        DescribeInstancesResponse described = await aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [doomed.InstanceId] });
        string volumeId = described.Reservations[0].Instances[0].BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;
        return new CrashScene(before, doomed.InstanceId, doomed.AvailabilityZone ?? DemoScene.ZoneA, volumeId, DateTimeOffset.UtcNow + CrashDrillCase.ReclaimAfter);
    }
}
