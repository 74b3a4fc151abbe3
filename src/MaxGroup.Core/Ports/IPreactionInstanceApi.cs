using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>The EC2 operations of preaction beyond launching: read the group's instances, mark and terminate the replaced ones.</summary>
public interface IPreactionInstanceApi
{
    /// <summary>DescribeInstances for the given ids (unknown ids are left out).</summary>
    Task<IReadOnlyList<InstanceFacts>> DescribeInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);

    /// <summary>
    /// Tags an instance spotmax:preaction=<paramref name="batchId"/> before anything else is done to it: the function
    /// may terminate only instances carrying that tag (IAM condition), so nothing else can be terminated by it.
    /// </summary>
    Task MarkAsync(string instanceId, string batchId, CancellationToken cancellationToken);

    /// <summary>TerminateInstances for one instance it marked.</summary>
    Task TerminateAsync(string instanceId, CancellationToken cancellationToken);
}

/// <summary>Tags preaction writes on instances.</summary>
public static class PreactionTags
{
    /// <summary>On an instance being replaced (and on its successor): the batch id.</summary>
    public const string Batch = "spotmax:preaction";
}
