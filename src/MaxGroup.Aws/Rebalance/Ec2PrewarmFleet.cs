using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Rebalance;

/// <summary>Finds pre-warmed successors by their spotmax:prewarm-until tag and terminates unused ones (EC2 SDK).</summary>
public sealed class Ec2PrewarmFleet(IAmazonEC2 ec2) : IPrewarmFleet
{
    public async Task<IReadOnlyList<PrewarmedInstance>> ListAsync(CancellationToken cancellationToken)
    {
        var found = new List<PrewarmedInstance>();
        string? nextToken = null;
        do
        {
            DescribeInstancesResponse response = await Guard(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest
            {
                Filters =
                [
                    new Filter("tag-key", [PrewarmTags.KeepUntil]),
                    new Filter("instance-state-name", ["pending", "running"]),
                ],
                NextToken = nextToken,
            }, cancellationToken));
            foreach (Instance instance in (response.Reservations ?? []).SelectMany(r => r.Instances ?? []))
            {
                Dictionary<string, string> tags = (instance.Tags ?? []).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
                if (!tags.TryGetValue(SuccessorTags.Replaces, out string? replaces))
                {
                    continue;
                }

                // An unreadable time counts as expired: the tag is ours, so only a hand edit breaks it.
                DateTimeOffset keepUntil = DateTimeOffset.TryParse(
                    tags.GetValueOrDefault(PrewarmTags.KeepUntil), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed)
                    ? parsed
                    : DateTimeOffset.MinValue;
                found.Add(new PrewarmedInstance(instance.InstanceId, replaces, tags.GetValueOrDefault(SuccessorTags.Group), keepUntil));
            }

            nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
        }
        while (nextToken is not null);

        return found;
    }

    public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) =>
        Guard(() => ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] }, cancellationToken));

    private static Task<T> Guard<T>(Func<Task<T>> call) => AwsSdkErrors.CallAsync("ec2", call);
}
