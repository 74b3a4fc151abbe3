namespace MaxGroup.Core.Ports;

/// <summary>
/// The Kubernetes API budget of one cluster, shared by every function instance that talks to it: time is cut into
/// short windows, each allowing a fixed number of requests, and an instance takes requests of the current window
/// before it sends them. The drain function's adapter keeps the windows in the ledger table, so fifty drain
/// invocations of one cluster together stay within one budget.
/// </summary>
public interface IClusterRequestWindows
{
    /// <summary>
    /// Takes up to <paramref name="wanted"/> of the <paramref name="limit"/> requests window <paramref name="window"/>
    /// of <paramref name="cluster"/> allows; returns how many were granted, 0 when the window is spent.
    /// </summary>
    /// <param name="cluster">The cluster's name (or endpoint): the budget's scope.</param>
    /// <param name="window">The window's number: its start since the Unix epoch divided by the window length.</param>
    /// <param name="wanted">How many requests the caller would like (at least 1).</param>
    /// <param name="limit">How many requests one window allows in all.</param>
    /// <param name="expiresAt">When the window's record may be forgotten.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<int> TakeAsync(string cluster, long window, int wanted, int limit, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
