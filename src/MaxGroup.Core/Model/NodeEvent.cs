namespace MaxGroup.Core.Model;

/// <summary>
/// A Kubernetes Event the drain records on its node (`kubectl describe node` and `kubectl get events` show it), as
/// aws-node-termination-handler does: what happened, when, and whether it needs attention (<see cref="Warning"/>).
/// </summary>
public sealed record NodeEvent(DateTimeOffset At, string Reason, string Message, bool Warning = false);

/// <summary>The reasons of <see cref="NodeEvent"/>s: one UpperCamelCase word each, as Kubernetes reasons are.</summary>
public static class NodeEventReasons
{
    public const string DrainStarted = "MaxGroupDrainStarted";
    public const string PodEvicted = "MaxGroupPodEvicted";
    public const string EvictionBlocked = "MaxGroupEvictionBlocked";
    public const string DrainSucceeded = "MaxGroupDrainSucceeded";
    public const string DrainFailed = "MaxGroupDrainFailed";
}
