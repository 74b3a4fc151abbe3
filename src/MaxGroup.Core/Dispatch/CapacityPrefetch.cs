using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// The dispatcher's part of the capacity-aware launch, run alongside the ledger begin so it costs no round trip: a Spot
/// warning bans its pool (type, zone) for <c>spot_pool_ban_minutes</c> where every function sees it (the ledger table),
/// and the bans in force and the zones of the group's subnets go to the replace step in its <see cref="ReplacePrefetch"/>.
/// Each part is best effort: a ban or a zone only steers the launch, so a failure is logged and the step reads again.
/// </summary>
public sealed class CapacityPrefetch(ISpotPoolBans? bans, IFleetLauncher? fleet, TimeProvider clock, ILogger logger)
{
    /// <summary>The pool a warning bans, or null (not Spot, bans off for the group).</summary>
    public static SpotPoolBan? BanFor(InstanceFacts facts, GroupConfig config, HandoverTrigger trigger, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(config);
        return trigger == HandoverTrigger.SpotWarning && facts.Lifecycle == "spot" && config.SpotPoolBanMinutes > 0
            ? new SpotPoolBan(facts.InstanceType, facts.AvailabilityZone, now + TimeSpan.FromMinutes(config.SpotPoolBanMinutes))
            : null;
    }

    /// <summary>
    /// Adds the bans and subnet zones to <paramref name="prefetch"/>, banning the warned pool first. With
    /// <paramref name="readBans"/> false the bans in force are not read (a detach needs none; the step reads them if it
    /// launches after all); without a <paramref name="group"/> no zone is looked up.
    /// </summary>
    public async Task<ReplacePrefetch> AddAsync(
        ReplacePrefetch prefetch, InstanceFacts facts, AutoScalingGroupInfo? group, GroupConfig config, HandoverTrigger trigger, bool dryRun, CancellationToken cancellationToken,
        bool readBans = true)
    {
        ArgumentNullException.ThrowIfNull(prefetch);
        DateTimeOffset now = clock.GetUtcNow();
        SpotPoolBan? fresh = BanFor(facts, config, trigger, now);
        // Dry run changes nothing, a ban included.
        Task banTask = fresh is null || bans is null || dryRun ? Task.CompletedTask : BanQuietlyAsync(bans, fresh, cancellationToken);
        Task<IReadOnlyList<SpotPoolBan>?> readTask = bans is null || !readBans ? Task.FromResult<IReadOnlyList<SpotPoolBan>?>(null) : ReadQuietlyAsync(bans, now, cancellationToken);
        Task<IReadOnlyDictionary<string, string>?> zonesTask = fleet is null || group is not { SubnetIds.Count: > 0 }
            ? Task.FromResult<IReadOnlyDictionary<string, string>?>(null)
            : ZonesQuietlyAsync(fleet, group.SubnetIds, cancellationToken);
        await Task.WhenAll(banTask, readTask, zonesTask);

        IReadOnlyList<SpotPoolBan>? read = await readTask;
        IReadOnlyList<SpotPoolBan>? banned = read is null || fresh is null
            ? read
            : [.. read.Where(b => b.InstanceType != fresh.InstanceType || b.AvailabilityZone != fresh.AvailabilityZone), fresh];
        return prefetch with { BannedPools = banned, SubnetZones = await zonesTask };
    }

    private async Task BanQuietlyAsync(ISpotPoolBans store, SpotPoolBan ban, CancellationToken cancellationToken)
    {
        try
        {
            await store.BanAsync(ban.InstanceType, ban.AvailabilityZone, ban.Until, cancellationToken);
            logger.LogInformation("Spot pool {InstanceType} in {Zone} banned until {Until:O}", ban.InstanceType, ban.AvailabilityZone, ban.Until);
        }
        catch (RemoteApiException ex)
        {
            logger.LogWarning("Spot pool ban not written ({ErrorCode})", ex.ErrorCode);
        }
    }

    private async Task<IReadOnlyList<SpotPoolBan>?> ReadQuietlyAsync(ISpotPoolBans store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            return await store.ActiveAsync(now, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            logger.LogWarning("Spot pool bans not read ({ErrorCode}); the replace step reads them", ex.ErrorCode);
            return null;
        }
    }

    private async Task<IReadOnlyDictionary<string, string>?> ZonesQuietlyAsync(IFleetLauncher launcher, IReadOnlyList<string> subnets, CancellationToken cancellationToken)
    {
        try
        {
            return await launcher.SubnetZonesAsync(subnets, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            logger.LogWarning("Subnet zones not looked up ({ErrorCode}); the replace step looks them up", ex.ErrorCode);
            return null;
        }
    }
}
