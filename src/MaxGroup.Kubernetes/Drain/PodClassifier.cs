using k8s.Models;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>What the drain does with one pod of the node, decided the way `kubectl drain --ignore-daemonsets --delete-emptydir-data` decides.</summary>
public enum PodDisposition
{
    /// <summary>Evicted through the Eviction API (pods with emptyDir volumes included: their data goes with the node anyway).</summary>
    Evict,
    /// <summary>Already terminating: nothing to ask, only to wait for.</summary>
    AlreadyTerminating,
    /// <summary>Owned by a DaemonSet: its controller ignores cordons and would recreate it on the same node.</summary>
    SkipDaemonSet,
    /// <summary>A static pod's mirror: the API cannot delete it, the kubelet owns it.</summary>
    SkipMirror,
    /// <summary>Succeeded or Failed: no container is running.</summary>
    SkipFinished,
}

/// <summary>Sorts the pods of a node being drained.</summary>
public static class PodClassifier
{
    /// <summary>The annotation the kubelet puts on the API copy of a static pod.</summary>
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";

    public static PodDisposition Classify(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Metadata?.Annotations?.ContainsKey(MirrorAnnotation) == true)
        {
            return PodDisposition.SkipMirror;
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return PodDisposition.SkipFinished;
        }

        if (pod.Metadata?.OwnerReferences?.Any(o => o.Controller == true && o.Kind == "DaemonSet") == true)
        {
            return PodDisposition.SkipDaemonSet;
        }

        return pod.Metadata?.DeletionTimestamp is not null ? PodDisposition.AlreadyTerminating : PodDisposition.Evict;
    }

    /// <summary>
    /// The grace period to ask for: the pod's own terminationGracePeriodSeconds (30 when unset, the API default),
    /// capped by k8s_node_drain_grace_second and by the whole seconds left before the deadline, at least 1 s so the
    /// containers still get SIGTERM before SIGKILL. An explicit 0 stays 0.
    /// </summary>
    public static long GracePeriodSeconds(V1Pod pod, int maxGraceSeconds, TimeSpan timeLeft)
    {
        ArgumentNullException.ThrowIfNull(pod);
        long own = pod.Spec?.TerminationGracePeriodSeconds ?? 30;
        if (own <= 0)
        {
            return 0;
        }

        long left = (long)Math.Floor(timeLeft.TotalSeconds);
        long grace = Math.Min(own, Math.Min(Math.Max(maxGraceSeconds, 0), left));
        return Math.Max(grace, 1);
    }
}
