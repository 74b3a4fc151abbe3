using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>"Describe one group": the one-name DescribeAutoScalingGroups call every step makes.</summary>
public static class AutoScalingGroupLookup
{
    /// <summary>The group named <paramref name="groupName"/>, or null when Auto Scaling knows no such group.</summary>
    public static async Task<AutoScalingGroupInfo?> DescribeGroupAsync(this IAutoScalingApi autoScaling, string groupName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(autoScaling);
        IReadOnlyList<AutoScalingGroupInfo> groups = await autoScaling.DescribeAutoScalingGroupsAsync([groupName], cancellationToken);
        return groups.FirstOrDefault(g => g.Name == groupName);
    }
}
