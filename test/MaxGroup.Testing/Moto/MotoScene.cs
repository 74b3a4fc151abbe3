using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Model;

namespace MaxGroup.Testing.Moto;

/// <summary>
/// Builds a scene in moto: launch templates (EC2 SDK), groups and lifecycle hooks (Query API through the signed
/// client). Every test that needs a group starts here, so a group is made the same way everywhere.
/// </summary>
public sealed class MotoScene(IAmazonEC2 ec2, AutoScalingClient autoScaling)
{
    /// <summary>The AMI moto serves in us-east-1.</summary>
    public const string Ami = "ami-12c6146b";

    private static readonly string[] DefaultZones = ["us-east-1a", "us-east-1b"];

    public MotoScene(AwsClientFactory aws)
        : this(aws?.Ec2 ?? throw new ArgumentNullException(nameof(aws)), aws.AutoScaling)
    {
    }

    /// <summary>
    /// A launch template; with <paramref name="dataVolumeDevice"/>, an EBS gp3 data volume of <paramref name="dataVolumeGiB"/>
    /// there (DeleteOnTermination true, as templates usually have). Returns its id.
    /// </summary>
    public async Task<string> LaunchTemplateAsync(string name, string instanceType = "t3.micro", string? dataVolumeDevice = null, int dataVolumeGiB = 1)
    {
        var data = new RequestLaunchTemplateData { ImageId = Ami, InstanceType = instanceType };
        if (dataVolumeDevice is not null)
        {
            data.BlockDeviceMappings =
            [
                new LaunchTemplateBlockDeviceMappingRequest
                {
                    DeviceName = dataVolumeDevice,
                    Ebs = new LaunchTemplateEbsBlockDeviceRequest { VolumeSize = dataVolumeGiB, VolumeType = VolumeType.Gp3, DeleteOnTermination = true },
                },
            ];
        }

        CreateLaunchTemplateResponse response = await ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = name,
            LaunchTemplateData = data,
        });
        return response.LaunchTemplate.LaunchTemplateId;
    }

    /// <summary>The default VPC's subnets, ordered by zone.</summary>
    public async Task<IReadOnlyList<string>> DefaultSubnetIdsAsync()
    {
        DescribeSubnetsResponse response = await ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        return response.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Select(s => s.SubnetId).ToList();
    }

    /// <summary>The instances named, or every instance moto holds when none are.</summary>
    public async Task<IReadOnlyList<Instance>> InstancesAsync(params string[] instanceIds)
    {
        DescribeInstancesResponse response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = instanceIds.Length == 0 ? null : [.. instanceIds] });
        return (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).ToList();
    }

    /// <summary>The ids of every instance moto holds, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> InstanceIdsAsync() =>
        (await InstancesAsync()).Select(i => i.InstanceId).Order(StringComparer.Ordinal).ToList();

    /// <summary>A group on the template's default version in <paramref name="zones"/> (us-east-1a and -1b when null).</summary>
    public async Task GroupAsync(
        string name,
        string launchTemplateName,
        int min,
        int max,
        int desired,
        IReadOnlyList<(string Key, string Value, bool Propagate)>? tags = null,
        IReadOnlyList<string>? zones = null)
    {
        QueryRequest query = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", name)
            .Add("LaunchTemplate.LaunchTemplateName", launchTemplateName)
            .Add("LaunchTemplate.Version", "$Default")
            .Add("MinSize", min)
            .Add("MaxSize", max)
            .Add("DesiredCapacity", desired)
            .AddList("AvailabilityZones", zones ?? DefaultZones);
        for (int i = 0; i < (tags?.Count ?? 0); i++)
        {
            string prefix = $"Tags.member.{i + 1}.";
            query.Add(prefix + "Key", tags![i].Key).Add(prefix + "Value", tags[i].Value).Add(prefix + "PropagateAtLaunch", tags[i].Propagate);
        }

        await autoScaling.CallAsync(query, CancellationToken.None);
    }

    /// <summary>A group with a mixed instances policy (0..3, desired 1) over <paramref name="overrideTypes"/> in <paramref name="subnetIds"/>.</summary>
    public async Task MixedGroupAsync(
        string name,
        string launchTemplateName,
        IReadOnlyList<string> overrideTypes,
        IReadOnlyList<string> subnetIds,
        bool capacityRebalance,
        OnDemandDistribution? onDemand = null)
    {
        QueryRequest query = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", name)
            .Add("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName", launchTemplateName)
            .Add("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version", "$Latest")
            .Add("MinSize", 0)
            .Add("MaxSize", 3)
            .Add("DesiredCapacity", 1)
            .Add("VPCZoneIdentifier", string.Join(',', subnetIds))
            .Add("CapacityRebalance", capacityRebalance);
        for (int i = 0; i < overrideTypes.Count; i++)
        {
            query.Add($"MixedInstancesPolicy.LaunchTemplate.Overrides.member.{i + 1}.InstanceType", overrideTypes[i]);
        }

        if (onDemand is not null)
        {
            query.Add("MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity", onDemand.BaseCapacity)
                .Add("MixedInstancesPolicy.InstancesDistribution.OnDemandPercentageAboveBaseCapacity", onDemand.PercentageAboveBase);
        }

        await autoScaling.CallAsync(query, CancellationToken.None);
    }

    /// <summary>A terminating hook that abandons on timeout.</summary>
    public async Task LifecycleHookAsync(string groupName, string hookName, int heartbeatTimeout)
    {
        QueryRequest query = AutoScalingClient.NewQuery("PutLifecycleHook")
            .Add("AutoScalingGroupName", groupName)
            .Add("LifecycleHookName", hookName)
            .Add("LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING")
            .Add("HeartbeatTimeout", heartbeatTimeout)
            .Add("DefaultResult", "ABANDON");
        await autoScaling.CallAsync(query, CancellationToken.None);
    }
}
