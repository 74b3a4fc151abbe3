namespace MaxGroup.Core.Model;

/// <summary>The text of a <see cref="DrainPhase"/> in the step's details and messages: find-node, cordon, successor-wait, list-pods, evict, wait-gone, done.</summary>
public static class DrainPhaseNames
{
    /// <summary>The kebab-case name the drain step has always recorded.</summary>
    public static string WireName(this DrainPhase phase) => phase switch
    {
        DrainPhase.FindNode => "find-node",
        DrainPhase.Cordon => "cordon",
        DrainPhase.SuccessorWait => "successor-wait",
        DrainPhase.ListPods => "list-pods",
        DrainPhase.Evict => "evict",
        DrainPhase.WaitGone => "wait-gone",
        DrainPhase.Done => "done",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown drain phase"),
    };
}
