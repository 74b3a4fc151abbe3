using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Durable state of the batches (an item kind of the ledger table in AWS).</summary>
public interface IPreactionBatchStore
{
    /// <summary>The latest batch of the group, open or closed; null when the group never had one.</summary>
    Task<PreactionBatch?> GetAsync(string groupName, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new batch unless the group has an open one: the guard that keeps one batch in flight per group even
    /// when two runs overlap. False when another batch is open.
    /// </summary>
    Task<bool> TryStartAsync(PreactionBatch batch, CancellationToken cancellationToken);

    /// <summary>Saves a batch whose <see cref="PreactionBatch.Version"/> is the stored one (stored as Version + 1). False when another run saved first.</summary>
    Task<bool> TrySaveAsync(PreactionBatch batch, CancellationToken cancellationToken);
}
