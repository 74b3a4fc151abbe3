using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ledger;

/// <summary>
/// The set of interruptions holding an in-flight slot and the queue of those waiting, as one value: every ledger
/// implementation applies the same rules (prune expired slots, check both caps) and stores the result atomically.
/// </summary>
public sealed class InFlightSlots(IEnumerable<KeyValuePair<string, ActiveSlot>>? active = null, IEnumerable<QueuedInterruption>? queued = null)
{
    private readonly Dictionary<string, ActiveSlot> _active = new Dictionary<string, ActiveSlot>(active ?? [], StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedInterruption> _queued = (queued ?? []).ToDictionary(q => q.InstanceId, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ActiveSlot> Active => _active;

    public IReadOnlyDictionary<string, QueuedInterruption> Queued => _queued;

    /// <summary>Drops slots whose interruption is past reclaim plus grace: a crashed step must not hold a slot for ever.</summary>
    public void PruneExpired(DateTimeOffset now)
    {
        foreach (string id in _active.Where(a => a.Value.Until <= now).Select(a => a.Key).ToList())
        {
            _active.Remove(id);
        }
    }

    public bool HasRoomFor(string groupName, InFlightLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return _active.Count < limits.Global
            && _active.Values.Count(a => a.GroupName == groupName) < limits.PerGroup;
    }

    /// <summary>The slot lasts until reclaim (or now, when queued past it) plus <see cref="InFlightLimits.SlotGrace"/>.</summary>
    public void Activate(string instanceId, string groupName, DateTimeOffset reclaimAt, DateTimeOffset now)
    {
        _queued.Remove(instanceId);
        _active[instanceId] = new ActiveSlot(groupName, (reclaimAt > now ? reclaimAt : now) + InFlightLimits.SlotGrace);
    }

    public void Enqueue(string instanceId, string groupName, DateTimeOffset now) =>
        _queued[instanceId] = new QueuedInterruption(instanceId, groupName, now);

    public bool Release(string instanceId) => _active.Remove(instanceId);

    public IReadOnlyList<QueuedInterruption> QueueInOrder() =>
        _queued.Values.OrderBy(q => q.QueuedAt).ThenBy(q => q.InstanceId, StringComparer.Ordinal).ToList();
}

/// <summary>An in-flight slot: the group it counts against and when it lapses.</summary>
public sealed record ActiveSlot(string GroupName, DateTimeOffset Until);
