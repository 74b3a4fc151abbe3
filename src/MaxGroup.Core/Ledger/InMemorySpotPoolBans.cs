using System.Collections.Concurrent;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Ledger;

/// <summary>Spot pool bans in memory (the in-process ledger's companion): a ban only ever moves its end later.</summary>
public sealed class InMemorySpotPoolBans : ISpotPoolBans
{
    private readonly ConcurrentDictionary<(string Type, string Zone), DateTimeOffset> _bans = new();

    public Task BanAsync(string instanceType, string availabilityZone, DateTimeOffset until, CancellationToken cancellationToken)
    {
        _bans.AddOrUpdate((instanceType, availabilityZone), until, (_, earlier) => earlier > until ? earlier : until);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SpotPoolBan>> ActiveAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SpotPoolBan>>(
            _bans.Where(b => b.Value > now).Select(b => new SpotPoolBan(b.Key.Type, b.Key.Zone, b.Value)).OrderBy(b => b.InstanceType, StringComparer.Ordinal).ToList());
}
