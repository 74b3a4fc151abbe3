namespace MaxGroup.Core.Model;

/// <summary>One pod on the node being drained, as the drain needs it.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Name">The pod's name.</param>
/// <param name="Uid">Tells a pod apart from a new one of the same name (a StatefulSet's).</param>
/// <param name="Disposition">Evict, wait for, or leave alone.</param>
/// <param name="TerminationGracePeriodSeconds">The pod's own grace period; null when the API default applies.</param>
public sealed record DrainPod(string Namespace, string Name, string? Uid, PodDisposition Disposition, long? TerminationGracePeriodSeconds)
{
    /// <summary>"namespace/name", the key the report lists pods by.</summary>
    public string Key => $"{Namespace}/{Name}";
}
