using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// Spot pools (instance type, zone) that were interrupted a moment ago, kept where every function sees them (the ledger
/// table in AWS): a successor is not launched back into a pool that is being reclaimed.
/// </summary>
public interface ISpotPoolBans
{
    /// <summary>Bans the pool until <paramref name="until"/> (a later ban of the same pool extends it, an earlier one does not shorten it).</summary>
    Task BanAsync(string instanceType, string availabilityZone, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>The bans still in force at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<SpotPoolBan>> ActiveAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
