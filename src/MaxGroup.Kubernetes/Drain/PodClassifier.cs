using k8s.Models;
using MaxGroup.Core.Model;
using MaxGroup.Core.Steps.Drain;

namespace MaxGroup.Kubernetes.Drain;

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

    /// <summary>The grace period to ask for <paramref name="pod"/>: see <see cref="NodeDrain.GracePeriodSeconds"/>.</summary>
    public static long GracePeriodSeconds(V1Pod pod, int maxGraceSeconds, TimeSpan timeLeft)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return NodeDrain.GracePeriodSeconds(pod.Spec?.TerminationGracePeriodSeconds, maxGraceSeconds, timeLeft);
    }
}
