using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.S3.Model;
using MaxGroup.Aws;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Core.Config;
using MaxGroup.Core.Model;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// A realistic scene in the emulator: a VPC with a subnet in each of two zones, a launch template with a data volume
/// at /dev/sdf and Spot market options, a Spot group of three instances across both zones, and its config in S3.
/// </summary>
public sealed class DemoScene
{
    public const string GroupName = "demo-spot";
    public const string ConfigBucket = "maxgroup-demo-config";
    public const string ZoneA = "us-east-1a";
    public const string ZoneB = "us-east-1b";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private DemoScene(string subnetA, string subnetB)
    {
        SubnetA = subnetA;
        SubnetB = subnetB;
    }

    public string SubnetA { get; }

    public string SubnetB { get; }

    /// <summary>The group config uploaded to s3://maxgroup-demo-config/groups/demo-spot.json, with the peers' keys added.</summary>
    public static string GroupConfigJson(DemoScenario scenario, IReadOnlyDictionary<string, JsonNode>? peerFields = null)
    {
        var config = (JsonObject)JsonNode.Parse(BaseConfigJson(scenario))!;
        foreach ((string key, JsonNode value) in scenario == DemoScenario.Capacity ? DemoCapacity.ConfigFields() : new Dictionary<string, JsonNode>())
        {
            config[key] = value.DeepClone();
        }

        foreach ((string key, JsonNode value) in peerFields ?? new Dictionary<string, JsonNode>())
        {
            config[key] = value.DeepClone();
        }

        return config.ToJsonString(Indented);
    }

    private static string BaseConfigJson(DemoScenario scenario) => scenario == DemoScenario.CrossAz
        ? """
          {
            "detaching_delay_seconds": 3,
            "persistence_dev": "/dev/sdf",
            "replacement_strategy": "detach",
            "persistence_cross_az": "snapshot"
          }
          """
        : """
          {
            "detaching_delay_seconds": 5,
            "persistence_dev": "/dev/sdf",
            "replacement_strategy": "launch",
            "alt1": "m5.large"
          }
          """;

    /// <summary>The group's launch template: Spot c5.large with the data volume at /dev/sdf.</summary>
    public static RequestLaunchTemplateData TemplateData() => new()
    {
        ImageId = "ami-12c6146b",
        InstanceType = InstanceType.C5Large,
        InstanceMarketOptions = new LaunchTemplateInstanceMarketOptionsRequest { MarketType = MarketType.Spot },
        BlockDeviceMappings =
        [
            new LaunchTemplateBlockDeviceMappingRequest
            {
                DeviceName = "/dev/sdf",
                Ebs = new LaunchTemplateEbsBlockDeviceRequest { VolumeSize = 20, VolumeType = VolumeType.Gp3, DeleteOnTermination = true },
            },
        ],
    };

    public static async Task<DemoScene> BuildAsync(AwsClientFactory aws, DemoScenario scenario, CancellationToken cancellationToken)
    {
        IAmazonEC2 ec2 = aws.Ec2;
        Vpc vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.42.0.0/16" }, cancellationToken)).Vpc;
        string subnetA = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.42.1.0/24", AvailabilityZone = ZoneA }, cancellationToken)).Subnet.SubnetId;
        string subnetB = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.42.2.0/24", AvailabilityZone = ZoneB }, cancellationToken)).Subnet.SubnetId;
        await ec2.CreateLaunchTemplateAsync(
            new CreateLaunchTemplateRequest
            {
                LaunchTemplateName = GroupName,
                LaunchTemplateData = TemplateData(),
            },
            cancellationToken);
        await aws.AutoScaling.CallAsync(
            AutoScalingClient.NewQuery("CreateAutoScalingGroup")
                .Add("AutoScalingGroupName", GroupName)
                .Add("LaunchTemplate.LaunchTemplateName", GroupName)
                .Add("LaunchTemplate.Version", "$Default")
                .Add("MinSize", 2)
                .Add("MaxSize", 4)
                .Add("DesiredCapacity", 3)
                .Add("VPCZoneIdentifier", $"{subnetA},{subnetB}")
                .Add("Tags.member.1.Key", "team")
                .Add("Tags.member.1.Value", "storage")
                .Add("Tags.member.1.PropagateAtLaunch", true)
                // The IAM opt-in a deployed group carries (docs/deploy.md); without it the config check warns.
                .Add("Tags.member.2.Key", GroupConfigKeys.ManagedTag)
                .Add("Tags.member.2.Value", "true")
                .Add("Tags.member.2.PropagateAtLaunch", false),
            cancellationToken);

        await aws.S3.PutBucketAsync(new PutBucketRequest { BucketName = ConfigBucket }, cancellationToken);
        await PutConfigAsync(aws, scenario, null, cancellationToken);
        return new DemoScene(subnetA, subnetB);
    }

    /// <summary>Writes the group config to S3 (again, once the peers' addresses are known).</summary>
    public static async Task PutConfigAsync(AwsClientFactory aws, DemoScenario scenario, IReadOnlyDictionary<string, JsonNode>? peerFields, CancellationToken cancellationToken) =>
        await aws.S3.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = ConfigBucket,
                Key = $"groups/{GroupName}.json",
                ContentBody = GroupConfigJson(scenario, peerFields),
                ContentType = "application/json",
            },
            cancellationToken);

    /// <summary>The group as Auto Scaling reports it now.</summary>
    public static async Task<AutoScalingGroupInfo> DescribeGroupAsync(AwsClientFactory aws, CancellationToken cancellationToken) =>
        (await aws.AutoScaling.DescribeAutoScalingGroupsAsync([GroupName], cancellationToken)).Single();

    /// <summary>Narrows the group to zone B, so that the group's own replacement lands away from the volume (cross-AZ scenario).</summary>
    public async Task NarrowToZoneBAsync(AwsClientFactory aws, CancellationToken cancellationToken) =>
        await aws.AutoScaling.CallAsync(
            AutoScalingClient.NewQuery("UpdateAutoScalingGroup").Add("AutoScalingGroupName", GroupName).Add("VPCZoneIdentifier", SubnetB),
            cancellationToken);

    /// <summary>An interruption warning in AWS's shape, dated so that the instance is reclaimed at <paramref name="reclaimAt"/>.</summary>
    public static string WarningJson(string eventId, string instanceId, string zone, string action, DateTimeOffset reclaimAt) =>
        Event(eventId, "EC2 Spot Instance Interruption Warning", "aws.ec2", reclaimAt.AddSeconds(-120), $"arn:aws:ec2:{zone}:instance/{instanceId}",
            $"\"instance-id\":\"{instanceId}\",\"instance-action\":\"{action}\"");

    public static string StateChangeJson(string eventId, string instanceId, string state, DateTimeOffset time) =>
        Event(eventId, "EC2 Instance State-change Notification", "aws.ec2", time, $"arn:aws:ec2:us-east-1:123456789012:instance/{instanceId}",
            $"\"instance-id\":\"{instanceId}\",\"state\":\"{state}\"");

    private static string Event(string id, string detailType, string source, DateTimeOffset time, string resource, string detail)
    {
        var json = new StringBuilder();
        json.Append("{\"version\":\"0\",\"id\":\"").Append(id)
            .Append("\",\"detail-type\":\"").Append(detailType)
            .Append("\",\"source\":\"").Append(source)
            .Append("\",\"account\":\"123456789012\",\"time\":\"").Append(time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))
            .Append("\",\"region\":\"us-east-1\",\"resources\":[\"").Append(resource)
            .Append("\"],\"detail\":{").Append(detail).Append("}}");
        return json.ToString();
    }
}

/// <summary>What the demo plays.</summary>
public enum DemoScenario
{
    /// <summary>A terminate warning; launch strategy; the volume follows in the same zone.</summary>
    Basic,
    /// <summary>The same warning delivered twice: the second starts nothing.</summary>
    Duplicate,
    /// <summary>A stop warning: the instance stops instead of terminating; the volume is detached once stopped.</summary>
    Stop,
    /// <summary>Detach strategy with the group narrowed to the other zone: the volume crosses zones through a snapshot.</summary>
    CrossAz,
    /// <summary>No Spot capacity for the group's type or its alternative: the successor comes from the On-Demand fallback.</summary>
    Capacity,
    /// <summary>A scale-in of a group with a terminate lifecycle hook: drain, Consul, volume kept, hook completed, nothing launched.</summary>
    ScaleIn,
    /// <summary>An AWS Health instance retirement: successor and volume in place before the start time, the retired instance terminated.</summary>
    Retirement,
}
