using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>Reads the successor the replace step recorded (<see cref="ILedger.SetSuccessorAsync"/>) from the ledger.</summary>
public sealed class LedgerSuccessorLookup(ILedger ledger) : ISuccessorLookup
{
    public async Task<string?> FindSuccessorAsync(string groupName, string interruptedInstanceId, CancellationToken cancellationToken)
    {
        InterruptionRecord? record = await ledger.GetAsync(interruptedInstanceId, cancellationToken);
        return record?.SuccessorInstanceId;
    }
}
