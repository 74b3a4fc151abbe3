namespace MaxGroup.Core.Model;

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
