namespace MaxGroup.Core.Ports;

/// <summary>
/// Lets the drain wait for the traffic step (the instance out of its load balancers) before it evicts, across the two
/// functions that run them: the ledger says when the traffic step has ended.
/// </summary>
public interface ITrafficGate
{
    /// <summary>Returns once the traffic step of <paramref name="instanceId"/> has ended (or there is none), or at <paramref name="until"/>; says which.</summary>
    Task<string> WaitAsync(string instanceId, DateTimeOffset until, CancellationToken cancellationToken);
}
