using System.Globalization;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;

namespace MaxGroup.Aws.Ledger;

/// <summary>
/// The elements of the coordination string sets. A slot is `instance-id|expiry-epoch-seconds` (the expiry travels
/// with the slot so any writer can prune it without a read-modify-write); a queue entry is
/// `queued-at-epoch-ms|instance-id|group` (group names may contain `|`, so it comes last).
/// </summary>
public static class LedgerSlots
{
    /// <summary>The slot lasts until reclaim (or now, when started past it) plus <see cref="InFlightLimits.SlotGrace"/>, as <see cref="InFlightSlots"/> rules.</summary>
    public static string SlotElement(string instanceId, DateTimeOffset reclaimAt, DateTimeOffset now)
    {
        DateTimeOffset until = (reclaimAt > now ? reclaimAt : now) + InFlightLimits.SlotGrace;
        return string.Create(CultureInfo.InvariantCulture, $"{instanceId}|{until.ToUnixTimeSeconds()}");
    }

    public static string InstanceOf(string slot)
    {
        int bar = slot.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? slot : slot[..bar];
    }

    public static bool IsExpired(string slot, DateTimeOffset now)
    {
        int bar = slot.IndexOf('|', StringComparison.Ordinal);
        return bar >= 0
            && long.TryParse(slot.AsSpan(bar + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out long until)
            && DateTimeOffset.FromUnixTimeSeconds(until) <= now;
    }

    public static string QueueElement(string instanceId, string groupName, DateTimeOffset queuedAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{queuedAt.ToUnixTimeMilliseconds()}|{instanceId}|{groupName}");

    public static QueuedInterruption? ParseQueueElement(string element)
    {
        string[] parts = element.Split('|', 3);
        return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms)
            ? new QueuedInterruption(parts[1], parts[2], DateTimeOffset.FromUnixTimeMilliseconds(ms))
            : null;
    }
}
