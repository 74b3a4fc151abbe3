using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>Creates launch templates (EC2 SDK) and groups and hooks (Query API through the signed client) in moto.</summary>
internal static class MotoAutoScalingSetup
{
    /// <summary>A launch template; with <paramref name="dataVolumeDevice"/>, an EBS data volume there (DeleteOnTermination true, as templates usually have).</summary>
    public static async Task<string> CreateLaunchTemplateAsync(IAmazonEC2 ec2, string name, string instanceType = "t3.micro", string? dataVolumeDevice = null)
    {
        var data = new RequestLaunchTemplateData { ImageId = "ami-12c6146b", InstanceType = instanceType };
        if (dataVolumeDevice is not null)
        {
            data.BlockDeviceMappings =
            [
                new LaunchTemplateBlockDeviceMappingRequest
                {
                    DeviceName = dataVolumeDevice,
                    Ebs = new LaunchTemplateEbsBlockDeviceRequest { VolumeSize = 1, VolumeType = VolumeType.Gp3, DeleteOnTermination = true },
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

    public static async Task<IReadOnlyList<string>> DefaultSubnetIdsAsync(IAmazonEC2 ec2)
    {
        DescribeSubnetsResponse response = await ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        return response.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Select(s => s.SubnetId).ToList();
    }

    public static async Task CreateGroupAsync(
        AutoScalingClient client,
        string name,
        string launchTemplateName,
        int min,
        int max,
        int desired,
        IReadOnlyList<(string Key, string Value, bool Propagate)>? tags = null)
    {
        QueryRequest query = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", name)
            .Add("LaunchTemplate.LaunchTemplateName", launchTemplateName)
            .Add("LaunchTemplate.Version", "$Default")
            .Add("MinSize", min)
            .Add("MaxSize", max)
            .Add("DesiredCapacity", desired)
            .AddList("AvailabilityZones", ["us-east-1a", "us-east-1b"]);
        AddTags(query, tags);
        await client.CallAsync(query, CancellationToken.None);
    }

    public static async Task CreateMixedGroupAsync(
        AutoScalingClient client,
        string name,
        string launchTemplateName,
        IReadOnlyList<string> overrideTypes,
        IReadOnlyList<string> subnetIds,
        bool capacityRebalance)
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

        await client.CallAsync(query, CancellationToken.None);
    }

    public static async Task PutLifecycleHookAsync(AutoScalingClient client, string groupName, string hookName, int heartbeatTimeout)
    {
        QueryRequest query = AutoScalingClient.NewQuery("PutLifecycleHook")
            .Add("AutoScalingGroupName", groupName)
            .Add("LifecycleHookName", hookName)
            .Add("LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING")
            .Add("HeartbeatTimeout", heartbeatTimeout)
            .Add("DefaultResult", "ABANDON");
        await client.CallAsync(query, CancellationToken.None);
    }

    private static void AddTags(QueryRequest query, IReadOnlyList<(string Key, string Value, bool Propagate)>? tags)
    {
        for (int i = 0; i < (tags?.Count ?? 0); i++)
        {
            string prefix = $"Tags.member.{i + 1}.";
            query.Add(prefix + "Key", tags![i].Key).Add(prefix + "Value", tags[i].Value).Add(prefix + "PropagateAtLaunch", tags[i].Propagate);
        }
    }
}
