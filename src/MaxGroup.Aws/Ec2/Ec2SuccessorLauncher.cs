using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Ec2LaunchTemplate = Amazon.EC2.Model.LaunchTemplateSpecification;

namespace MaxGroup.Aws.Ec2;

/// <summary>
/// RunInstances from the group's launch template, and the tag lookup that lets a re-run reuse its successor; the
/// capacity-aware CreateFleet is in <c>Ec2SuccessorLauncher.Fleet.cs</c>.
/// </summary>
public sealed partial class Ec2SuccessorLauncher(IAmazonEC2 ec2) : ISuccessorLauncher, IFleetLauncher
{
    public async Task<string> LaunchAsync(SuccessorLaunchSpec spec, CancellationToken cancellationToken)
    {
        RunInstancesResponse response = await Ec2Errors.Guard(() => ec2.RunInstancesAsync(ToRequest(spec), cancellationToken));
        return response.Reservation?.Instances?.FirstOrDefault()?.InstanceId
            ?? throw new Core.Ports.RemoteApiException("ec2", "EmptyReservation", "RunInstances returned no instance", 200);
    }

    public async Task<string?> FindSuccessorAsync(string interruptedInstanceId, CancellationToken cancellationToken)
    {
        DescribeInstancesResponse response = await Ec2Errors.Guard(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest
        {
            Filters =
            [
                new Filter($"tag:{SuccessorTags.Replaces}", [interruptedInstanceId]),
                new Filter("instance-state-name", ["pending", "running"]),
            ],
        }, cancellationToken));
        return (response.Reservations ?? [])
            .SelectMany(r => r.Instances ?? [])
            .OrderBy(i => i.LaunchTime ?? DateTime.MaxValue)
            .Select(i => i.InstanceId)
            .FirstOrDefault();
    }

    /// <summary>
    /// The request for one candidate. The market is always explicit: Spot as one-time with terminate on
    /// interruption; On-Demand by leaving market options out (a template that itself asks for Spot wins then).
    /// </summary>
    public static RunInstancesRequest ToRequest(SuccessorLaunchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var request = new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            ClientToken = spec.ClientToken,
            LaunchTemplate = new Ec2LaunchTemplate
            {
                LaunchTemplateId = spec.LaunchTemplate.Id,
                LaunchTemplateName = spec.LaunchTemplate.Id is null ? spec.LaunchTemplate.Name : null,
                Version = spec.LaunchTemplate.Version ?? "$Default",
            },
            InstanceType = InstanceType.FindValue(spec.Candidate.InstanceType),
            TagSpecifications =
            [
                new TagSpecification
                {
                    ResourceType = ResourceType.Instance,
                    Tags = spec.Tags.Select(t => new Tag(t.Key, t.Value)).ToList(),
                },
            ],
        };
        if (spec.SubnetId is not null)
        {
            request.SubnetId = spec.SubnetId;
        }
        else if (spec.AvailabilityZone is not null)
        {
            request.Placement = new Placement { AvailabilityZone = spec.AvailabilityZone };
        }

        if (spec.Candidate.Market == PurchaseMarket.Spot)
        {
            request.InstanceMarketOptions = new InstanceMarketOptionsRequest
            {
                MarketType = MarketType.Spot,
                SpotOptions = new SpotMarketOptions
                {
                    SpotInstanceType = SpotInstanceType.OneTime,
                    InstanceInterruptionBehavior = InstanceInterruptionBehavior.Terminate,
                },
            };
        }

        return request;
    }
}
