using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>The effective configuration of a group (S3 files and group tags in AWS); the config issue implements it.</summary>
public interface IGroupConfigSource
{
    Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken);

    /// <summary>
    /// The config while the caller is describing the group itself: a source that reads the group's tags takes them from
    /// <paramref name="describing"/> (one DescribeAutoScalingGroups, not two); null from it (the description failed) reads
    /// them as <see cref="GetAsync(string, CancellationToken)"/> does. A source without tags ignores it.
    /// </summary>
    Task<GroupConfigLookup> GetAsync(string groupName, Task<AutoScalingGroupInfo?> describing, CancellationToken cancellationToken) =>
        GetAsync(groupName, cancellationToken);
}
