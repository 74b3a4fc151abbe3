namespace MaxGroup.Core.Ports;

/// <summary>
/// Where the replace step recorded the successor of an interrupted instance (the ledger). Optional for the
/// volume move: without it the move relies on the request and the volume's own tags.
/// </summary>
public interface ISuccessorLookup
{
    /// <summary>The successor recorded for <paramref name="interruptedInstanceId"/>, or null when none is known yet.</summary>
    Task<string?> FindSuccessorAsync(string groupName, string interruptedInstanceId, CancellationToken cancellationToken);
}
