namespace MaxGroup.Core.Model;

/// <summary>How far a drain got; the ledger and logs carry <see cref="DrainPhaseNames.WireName"/>, not the member name.</summary>
public enum DrainPhase
{
    FindNode,
    Cordon,
    SuccessorWait,
    ListPods,
    Evict,
    WaitGone,
    Done,
}
