namespace MaxGroup.Core.Model;

/// <summary>
/// How long a Running step's claim lives without renewal, and how often a live run renews it. The lease is well under
/// Lambda's first asynchronous retry (60 s) and the 120 s window, so a run that died (process killed, function timed
/// out) is taken over by a redelivery, a retry or the sweep while there is still time to finish; renewing every few
/// seconds keeps a live run from being doubled, with room for two lost renewals.
/// </summary>
public static class StepLeases
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(20);

    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(5);
}
