using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ec2;

/// <summary>One DescribeInstances call gives everything the dispatcher and the steps need about an instance.</summary>
public sealed class Ec2InstanceInventory(IAmazonEC2 ec2) : IInstanceInventory
{
    private const string GroupTag = "aws:autoscaling:groupName";
    private const string TemplateIdTag = "aws:ec2launchtemplate:id";
    private const string TemplateVersionTag = "aws:ec2launchtemplate:version";

    public async Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        DescribeInstancesResponse response;
        try
        {
            response = await Ec2Errors.Guard(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken));
        }
        catch (RemoteApiException ex) when (Ec2Errors.IsNotFound(ex))
        {
            return null;
        }

        Instance? instance = (response.Reservations ?? [])
            .SelectMany(r => r.Instances ?? [])
            .FirstOrDefault(i => i.InstanceId == instanceId);
        return instance is null ? null : ToFacts(instance);
    }

    /// <summary>Maps an SDK instance to the domain's facts (null-safe: SDK v4 leaves absent collections null).</summary>
    public static InstanceFacts ToFacts(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        Dictionary<string, string> tags = (instance.Tags ?? [])
            .Where(t => t.Key is not null)
            .GroupBy(t => t.Key)
            .ToDictionary(g => g.Key, g => g.First().Value ?? "", StringComparer.Ordinal);
        return new InstanceFacts
        {
            InstanceId = instance.InstanceId,
            GroupName = tags.GetValueOrDefault(GroupTag),
            AvailabilityZone = instance.Placement?.AvailabilityZone ?? "",
            SubnetId = NullIfEmpty(instance.SubnetId),
            VpcId = NullIfEmpty(instance.VpcId),
            PrivateIpAddress = NullIfEmpty(instance.PrivateIpAddress),
            PrivateDnsName = NullIfEmpty(instance.PrivateDnsName),
            InstanceType = instance.InstanceType?.Value ?? "",
            Lifecycle = instance.InstanceLifecycle?.Value == "spot" ? "spot" : "on-demand",
            State = instance.State?.Name?.Value ?? "unknown",
            LaunchTemplate = tags.TryGetValue(TemplateIdTag, out string? templateId)
                ? new LaunchTemplateRef(templateId, null, tags.GetValueOrDefault(TemplateVersionTag))
                : null,
            BlockDevices = (instance.BlockDeviceMappings ?? [])
                .Where(b => b.Ebs?.VolumeId is not null)
                .Select(b => new BlockDeviceFact(b.DeviceName, b.Ebs.VolumeId, b.Ebs.DeleteOnTermination ?? false, b.Ebs.Status?.Value))
                .ToList(),
            Tags = tags,
            LaunchTime = instance.LaunchTime is { } launched ? new DateTimeOffset(DateTime.SpecifyKind(launched, DateTimeKind.Utc)) : null,
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
