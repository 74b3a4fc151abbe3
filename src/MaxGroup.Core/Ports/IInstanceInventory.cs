using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Looks instances up (EC2 DescribeInstances in AWS).</summary>
public interface IInstanceInventory
{
    /// <summary>The facts of one instance, or null when EC2 does not know it.</summary>
    Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken);
}
