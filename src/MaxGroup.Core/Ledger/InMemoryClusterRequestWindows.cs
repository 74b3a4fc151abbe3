using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Ledger;

/// <summary>The cluster request windows of one process (local runs, tests): the same rule as the ledger table's.</summary>
public sealed class InMemoryClusterRequestWindows : IClusterRequestWindows
{
    private readonly Dictionary<(string Cluster, long Window), int> _used = [];
    private readonly object _lock = new();

    public ValueTask<int> TakeAsync(string cluster, long window, int wanted, int limit, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wanted);
        lock (_lock)
        {
            int used = _used.GetValueOrDefault((cluster, window));
            int granted = Math.Max(0, Math.Min(wanted, limit - used));
            _used[(cluster, window)] = used + granted;
            return ValueTask.FromResult(granted);
        }
    }
}
