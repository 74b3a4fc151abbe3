using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>
/// One successor through CreateFleet (type instant): the candidates cut into market blocks as the planner ordered them
/// (Spot, then On-Demand; On-Demand first with is_only_od_rep or is_prefer_multiple_types: false), one call per block
/// carrying every (type, subnet) pool of it, so EC2 moves past a dry pool itself instead of a round trip each.
/// Banned Spot pools are left out while another pool is allowed.
/// </summary>
public sealed class CapacityAwareLaunch(IFleetLauncher fleet, ILogger logger)
{
    /// <summary>Overrides in one CreateFleet are bounded; the first pools (the planner's order) are kept.</summary>
    public const int MaxPools = 50;

    /// <summary>What "the block had no pool left after the bans" is recorded as.</summary>
    public const string PoolBanned = "PoolBanned";

    /// <summary>
    /// CreateFleet answered a definite no (not permitted, not served, a request it will not take): RunInstances may still
    /// launch. A retryable answer is not one: the fleet may have launched.
    /// </summary>
    public static bool IsRefusal(RemoteApiException ex) =>
        ex is { Service: "ec2", IsRetryable: false } && !CapacityErrors.IsCapacityError(ex.ErrorCode);

    /// <summary>The candidates without Spot ones banned in the request's zone, unless nothing else would be left.</summary>
    public static IReadOnlyList<LaunchCandidate> WithoutBannedSpot(SuccessorLaunchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.BannedPools.Count == 0 || request.AvailabilityZone is not { } zone)
        {
            return request.Candidates;
        }

        var kept = request.Candidates.Where(c => !IsBanned(request, c.InstanceType, c.Market, zone)).ToList();
        return kept.Count > 0 ? kept : request.Candidates;
    }

    public async Task<SuccessorLaunchResult> LaunchAsync(SuccessorLaunchRequest request, CapacityCalls calls, CancellationToken cancellationToken)
    {
        IReadOnlyList<(string? Subnet, string? Zone)> placements = await PlacementsAsync(request, calls, cancellationToken);
        var blocks = Blocks(request.Candidates);
        var attempts = new List<LaunchAttempt>();
        int sent = 0;
        for (int index = 0; index < blocks.Count; index++)
        {
            (PurchaseMarket market, IReadOnlyList<string> types) = blocks[index];
            List<LaunchPool> pools = Pools(request, market, types, placements, lastResort: blocks.Count == 1);
            if (pools.Count == 0)
            {
                attempts.AddRange(types.Select(t => new LaunchAttempt(new LaunchCandidate(t, market), null, PoolBanned)));
                continue;
            }

            var spec = new FleetLaunchSpec
            {
                LaunchTemplate = request.LaunchTemplate,
                Market = market,
                Pools = pools,
                Tags = request.Tags,
                ClientToken = request.ClientToken(index),
            };
            FleetLaunchAnswer answer;
            try
            {
                sent++;
                answer = await calls.RunAsync(ct => fleet.LaunchFleetAsync(spec, ct), cancellationToken);
            }
            catch (RemoteApiException ex) when (CapacityErrors.IsCapacityError(ex.ErrorCode))
            {
                attempts.AddRange(types.Select(t => new LaunchAttempt(new LaunchCandidate(t, market), null, ex.ErrorCode)));
                continue;
            }

            // One attempt per (type, error): a type dry in every subnet is one line, not one per subnet.
            attempts.AddRange(answer.Errors
                .GroupBy(e => (Type: e.InstanceType ?? "(any)", e.ErrorCode))
                .Select(g => new LaunchAttempt(new LaunchCandidate(g.Key.Type, market), null, g.Key.ErrorCode)
                {
                    Where = g.Count() == 1 ? g.First().SubnetId : $"{g.Count()} subnets",
                }));
            if (answer.InstanceId is { } id)
            {
                var used = new LaunchCandidate(answer.Pool?.InstanceType ?? types[0], market);
                attempts.Add(new LaunchAttempt(used, id, null) { Where = answer.Pool?.SubnetId ?? answer.Pool?.AvailabilityZone });
                logger.LogInformation("CreateFleet launched {InstanceId} ({Candidate}) over {Pools} pools", id, used.ToString(), pools.Count);
                return new SuccessorLaunchResult
                {
                    InstanceId = id,
                    Used = used,
                    Pool = answer.Pool,
                    Attempts = attempts,
                    Api = SuccessorLaunchResult.CreateFleetApi,
                    Calls = sent,
                };
            }

            // Nothing launched and not for want of capacity (a bad template, a role without PassRole): the caller decides.
            if (answer.Errors.FirstOrDefault(e => !CapacityErrors.IsCapacityError(e.ErrorCode)) is { } other)
            {
                throw new RemoteApiException("ec2", other.ErrorCode, $"CreateFleet launched nothing: {other.ErrorCode}", 400);
            }

            logger.LogWarning("No {Market} capacity in {Pools} pools; trying the next block", market.ToString(), pools.Count);
        }

        return new SuccessorLaunchResult { Attempts = attempts, Api = SuccessorLaunchResult.CreateFleetApi, Calls = sent };
    }

    /// <summary>Consecutive candidates of one market, in order: one CreateFleet each.</summary>
    private static List<(PurchaseMarket Market, IReadOnlyList<string> Types)> Blocks(IReadOnlyList<LaunchCandidate> candidates)
    {
        var blocks = new List<(PurchaseMarket, IReadOnlyList<string>)>();
        List<string>? current = null;
        PurchaseMarket market = PurchaseMarket.Spot;
        foreach (LaunchCandidate candidate in candidates)
        {
            if (current is null || candidate.Market != market)
            {
                current = [];
                market = candidate.Market;
                blocks.Add((market, current));
            }

            if (!current.Contains(candidate.InstanceType, StringComparer.Ordinal))
            {
                current.Add(candidate.InstanceType);
            }
        }

        return blocks;
    }

    /// <summary>Every (type, subnet) of the block, type-major (the On-Demand priority order); banned Spot pools left out.</summary>
    private static List<LaunchPool> Pools(
        SuccessorLaunchRequest request, PurchaseMarket market, IReadOnlyList<string> types, IReadOnlyList<(string? Subnet, string? Zone)> placements, bool lastResort)
    {
        var all = types.SelectMany(t => placements.Select(p => (Pool: new LaunchPool(t, p.Subnet, p.Subnet is null ? p.Zone : null), p.Zone))).ToList();
        var kept = all.Where(p => p.Zone is null || !IsBanned(request, p.Pool.InstanceType, market, p.Zone)).Select(p => p.Pool).ToList();
        // Only a block that is the whole request falls back to banned pools: a successor from them beats none.
        List<LaunchPool> pools = kept.Count > 0 || !lastResort ? kept : all.Select(p => p.Pool).ToList();
        return pools.Take(MaxPools).ToList();
    }

    private static bool IsBanned(SuccessorLaunchRequest request, string type, PurchaseMarket market, string zone) =>
        market == PurchaseMarket.Spot
        && request.BannedPools.Any(b => b.InstanceType == type && string.Equals(b.AvailabilityZone, zone, StringComparison.Ordinal));

    /// <summary>
    /// The request's subnet first, then the others; with <see cref="SuccessorLaunchRequest.StayInZone"/> only those in its
    /// zone. Without any subnet, the zone alone.
    /// </summary>
    private async Task<IReadOnlyList<(string? Subnet, string? Zone)>> PlacementsAsync(SuccessorLaunchRequest request, CapacityCalls calls, CancellationToken cancellationToken)
    {
        List<string> subnets = new[] { request.SubnetId }.Concat(request.Subnets)
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => s!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (subnets.Count == 0)
        {
            return [(null, request.AvailabilityZone)];
        }

        IReadOnlyDictionary<string, string> zones;
        try
        {
            IReadOnlyDictionary<string, string> known = request.KnownSubnetZones ?? new Dictionary<string, string>();
            bool allKnown = subnets.All(s => known.ContainsKey(s) || (s == request.SubnetId && request.AvailabilityZone is not null));
            zones = allKnown ? known : await calls.RunAsync(ct => fleet.SubnetZonesAsync(subnets, ct), cancellationToken);
        }
        catch (RemoteApiException ex) when (!ex.IsRetryable)
        {
            logger.LogWarning("Subnet zones unknown ({ErrorCode}): launching in the instance's own subnet only", ex.ErrorCode);
            return request.SubnetId is null ? [(null, request.AvailabilityZone)] : [(request.SubnetId, request.AvailabilityZone)];
        }

        var placements = new List<(string?, string?)>();
        foreach (string subnet in subnets)
        {
            string? zone = subnet == request.SubnetId ? request.AvailabilityZone ?? zones.GetValueOrDefault(subnet) : zones.GetValueOrDefault(subnet);
            if (request.StayInZone && subnet != request.SubnetId && (zone is null || zone != request.AvailabilityZone))
            {
                continue;
            }

            placements.Add((subnet, zone));
        }

        return placements;
    }
}
