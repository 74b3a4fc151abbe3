using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws.Ec2;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Preaction;

/// <summary>DescribeInstances, CreateTags and TerminateInstances for preaction (EC2 SDK).</summary>
public sealed class Ec2PreactionInstanceApi(IAmazonEC2 ec2) : IPreactionInstanceApi
{
    public async Task<IReadOnlyList<InstanceFacts>> DescribeInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        var facts = new List<InstanceFacts>();
        // By filter rather than InstanceIds: one unknown id would fail the whole call with InvalidInstanceID.NotFound.
        foreach (string[] chunk in instanceIds.Distinct(StringComparer.Ordinal).Chunk(200))
        {
            string? nextToken = null;
            do
            {
                DescribeInstancesResponse response = await Guard(() => ec2.DescribeInstancesAsync(
                    new DescribeInstancesRequest { Filters = [new Filter("instance-id", [.. chunk])], NextToken = nextToken },
                    cancellationToken));
                facts.AddRange((response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(Ec2InstanceInventory.ToFacts));
                nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
            }
            while (nextToken is not null);
        }

        return facts;
    }

    public Task MarkAsync(string instanceId, string batchId, CancellationToken cancellationToken) =>
        Guard(() => ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [instanceId], Tags = [new Tag(PreactionTags.Batch, batchId)] }, cancellationToken));

    public async Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            await Guard(() => ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] }, cancellationToken));
        }
        catch (RemoteApiException ex) when (ex.ErrorCode == "InvalidInstanceID.NotFound")
        {
            // Already gone (and forgotten by EC2): what termination wanted.
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonEC2Exception ex)
        {
            throw new RemoteApiException("ec2", ex.ErrorCode ?? "Unknown", ex.Message, (int)ex.StatusCode, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RemoteApiException("ec2", "NoResponse", ex.Message, 0, ex);
        }
    }
}
