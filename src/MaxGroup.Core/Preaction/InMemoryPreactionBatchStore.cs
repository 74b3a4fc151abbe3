using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Preaction;

/// <summary>The batch store in memory, with the same conditional semantics as the DynamoDB one (tests, CLI).</summary>
public sealed class InMemoryPreactionBatchStore : IPreactionBatchStore
{
    private readonly Dictionary<string, PreactionBatch> _batches = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<PreactionBatch?> GetAsync(string groupName, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_batches.GetValueOrDefault(groupName));
        }
    }

    public Task<bool> TryStartAsync(PreactionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            if (_batches.TryGetValue(batch.GroupName, out PreactionBatch? current) && current.IsOpen)
            {
                return Task.FromResult(false);
            }

            _batches[batch.GroupName] = batch with { Version = 1 };
            return Task.FromResult(true);
        }
    }

    public Task<bool> TrySaveAsync(PreactionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            if (!_batches.TryGetValue(batch.GroupName, out PreactionBatch? current) || current.Version != batch.Version || current.BatchId != batch.BatchId)
            {
                return Task.FromResult(false);
            }

            _batches[batch.GroupName] = batch with { Version = batch.Version + 1 };
            return Task.FromResult(true);
        }
    }
}
