namespace MaxGroup.Core.Model;

/// <summary>What AWS (or the user) does to a leaving instance, as the ledger and the requests carry it (InstanceAction).</summary>
public static class InstanceActions
{
    public const string Terminate = "terminate";
    public const string Stop = "stop";
    public const string Hibernate = "hibernate";

    /// <summary>An AWS Health scheduled retirement: MaxGroup terminates the instance once its hand-over is done.</summary>
    public const string Retire = "retire";

    /// <summary>An AWS Health scheduled stop (not a Spot warning's <see cref="Stop"/>: a stopped Spot instance comes back).</summary>
    public const string ScheduledStop = "scheduled-stop";

    /// <summary>An AWS Health scheduled reboot (instance or system maintenance).</summary>
    public const string Reboot = "reboot";
}
