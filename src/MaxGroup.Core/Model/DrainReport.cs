namespace MaxGroup.Core.Model;

/// <summary>What one drain did: the node, its cordon, the successor wait, and every pod's fate.</summary>
public sealed class DrainReport
{
    /// <summary>The node found for the instance, or null (see <see cref="NoNodeReason"/>).</summary>
    public string? NodeName { get; set; }

    public string? NoNodeReason { get; set; }

    public bool DryRun { get; set; }

    /// <summary>"cordoned", "already cordoned", "would cordon" or why it was not.</summary>
    public string Cordon { get; set; } = "not attempted";

    /// <summary>"not requested", "ready: NODE after 3.1 s", "timed out after 30 s", "skipped: ...".</summary>
    public string SuccessorWait { get; set; } = "not requested";

    /// <summary>"not requested", "traffic step done after 4.2 s", "traffic step still running at the cap of 35 s".</summary>
    public string TrafficWait { get; set; } = "not requested";

    /// <summary>Pods whose eviction the API accepted and that were gone by the end.</summary>
    public List<string> Evicted { get; } = [];

    /// <summary>Pods still on the node at the end, with why: pdb, terminating, error, deadline.</summary>
    public SortedDictionary<string, string> Remaining { get; } = new(StringComparer.Ordinal);

    /// <summary>Pods left alone on purpose: daemonset, mirror, finished.</summary>
    public SortedDictionary<string, string> Skipped { get; } = new(StringComparer.Ordinal);

    /// <summary>Dry run: the pods that would be evicted.</summary>
    public List<string> WouldEvict { get; } = [];

    /// <summary>The phase the drain reached; <see cref="DrainPhaseNames.WireName"/> gives the text the ledger and logs carry.</summary>
    public DrainPhase Phase { get; set; } = DrainPhase.FindNode;

    /// <summary>True when the deadline (reclaim time or function deadline) stopped the drain.</summary>
    public bool DeadlineReached { get; set; }

    /// <summary>A hard error (authentication, authorization, unexpected answer) that ended the drain early.</summary>
    public string? Error { get; set; }

    /// <summary>Kubernetes Events the API server took on the node during this drain.</summary>
    public int NodeEventsRecorded { get; set; }

    /// <summary>Kubernetes Events that were refused, timed out or were still unsent when the drain ended (never a drain failure).</summary>
    public int NodeEventsFailed { get; set; }
}
