using System.Collections.Concurrent;
using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ec2;

/// <summary>CreateFleet type instant over every pool of one market, and the subnets' zones it needs.</summary>
public sealed partial class Ec2SuccessorLauncher
{
    // A subnet never changes zone: one DescribeSubnets per subnet for the life of the execution environment.
    private readonly ConcurrentDictionary<string, string> _subnetZones = new(StringComparer.Ordinal);

    public async Task<FleetLaunchAnswer> LaunchFleetAsync(FleetLaunchSpec spec, CancellationToken cancellationToken)
    {
        CreateFleetResponse response = await Ec2Errors.Guard(() => ec2.CreateFleetAsync(ToFleetRequest(spec), cancellationToken));
        CreateFleetInstance? launched = (response.Instances ?? []).FirstOrDefault(i => i.InstanceIds is { Count: > 0 });
        FleetLaunchTemplateOverrides? overrides = launched?.LaunchTemplateAndOverrides?.Overrides;
        return new FleetLaunchAnswer
        {
            InstanceId = launched?.InstanceIds[0],
            Pool = launched is null
                ? null
                : new LaunchPool(overrides?.InstanceType?.Value ?? launched.InstanceType?.Value ?? "", overrides?.SubnetId, overrides?.AvailabilityZone),
            Errors = (response.Errors ?? [])
                .Select(e => new FleetPoolError(
                    e.LaunchTemplateAndOverrides?.Overrides?.InstanceType?.Value,
                    e.LaunchTemplateAndOverrides?.Overrides?.SubnetId,
                    e.ErrorCode ?? "Unknown"))
                .ToList(),
        };
    }

    public async Task<IReadOnlyDictionary<string, string>> SubnetZonesAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subnetIds);
        List<string> unknown = subnetIds.Where(s => !_subnetZones.ContainsKey(s)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            DescribeSubnetsResponse response = await Ec2Errors.Guard(() => ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest { SubnetIds = unknown }, cancellationToken));
            foreach (Subnet subnet in response.Subnets ?? [])
            {
                _subnetZones[subnet.SubnetId] = subnet.AvailabilityZone;
            }
        }

        return subnetIds.Where(_subnetZones.ContainsKey).Distinct(StringComparer.Ordinal).ToDictionary(s => s, s => _subnetZones[s], StringComparer.Ordinal);
    }

    /// <summary>
    /// One instance from the launch template over the pools: Spot by price-capacity-optimized (terminate on interruption),
    /// On-Demand prioritized in the pools' order; the tags on the instance at creation.
    /// </summary>
    public static CreateFleetRequest ToFleetRequest(FleetLaunchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        bool spot = spec.Market == PurchaseMarket.Spot;
        var request = new CreateFleetRequest
        {
            Type = FleetType.Instant,
            ClientToken = spec.ClientToken,
            TargetCapacitySpecification = new TargetCapacitySpecificationRequest
            {
                TotalTargetCapacity = 1,
                SpotTargetCapacity = spot ? 1 : 0,
                OnDemandTargetCapacity = spot ? 0 : 1,
                DefaultTargetCapacityType = spot ? DefaultTargetCapacityType.Spot : DefaultTargetCapacityType.OnDemand,
            },
            LaunchTemplateConfigs =
            [
                new FleetLaunchTemplateConfigRequest
                {
                    LaunchTemplateSpecification = new FleetLaunchTemplateSpecificationRequest
                    {
                        LaunchTemplateId = spec.LaunchTemplate.Id,
                        LaunchTemplateName = spec.LaunchTemplate.Id is null ? spec.LaunchTemplate.Name : null,
                        Version = spec.LaunchTemplate.Version ?? "$Default",
                    },
                    Overrides = spec.Pools.Select((pool, index) => new FleetLaunchTemplateOverridesRequest
                    {
                        InstanceType = InstanceType.FindValue(pool.InstanceType),
                        SubnetId = pool.SubnetId,
                        AvailabilityZone = pool.SubnetId is null ? pool.AvailabilityZone : null,
                        Priority = index,
                    }).ToList(),
                },
            ],
            TagSpecifications =
            [
                new TagSpecification
                {
                    ResourceType = ResourceType.Instance,
                    Tags = spec.Tags.Select(t => new Tag(t.Key, t.Value)).ToList(),
                },
            ],
        };
        if (spot)
        {
            request.SpotOptions = new SpotOptionsRequest
            {
                AllocationStrategy = SpotAllocationStrategy.PriceCapacityOptimized,
                InstanceInterruptionBehavior = SpotInstanceInterruptionBehavior.Terminate,
            };
        }
        else
        {
            request.OnDemandOptions = new OnDemandOptionsRequest { AllocationStrategy = FleetOnDemandAllocationStrategy.Prioritized };
        }

        return request;
    }
}
