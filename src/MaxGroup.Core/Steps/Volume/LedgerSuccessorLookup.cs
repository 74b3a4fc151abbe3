using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>Reads the successor the replace step recorded (<see cref="ILedger.SetSuccessorAsync"/>) from the ledger.</summary>
public sealed class LedgerSuccessorLookup : ISuccessorLookup
{
    private readonly ILedger _ledger;

    public LedgerSuccessorLookup(ILedger ledger)
    {
        _ledger = ledger;
    }

    public async Task<string?> FindSuccessorAsync(string groupName, string interruptedInstanceId, CancellationToken cancellationToken)
    {
        InterruptionRecord? record = await _ledger.GetAsync(interruptedInstanceId, cancellationToken);
        return record?.SuccessorInstanceId;
    }
}
