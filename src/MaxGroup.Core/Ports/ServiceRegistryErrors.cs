namespace MaxGroup.Core.Ports;

/// <summary>How an <see cref="IServiceRegistry"/> error reads: its service name and the codes the Consul step decides on.</summary>
public static class ServiceRegistryErrors
{
    /// <summary>The <see cref="RemoteApiException.Service"/> of every registry error.</summary>
    public const string Service = "consul";

    /// <summary>Error code when the caller's deadline, not the peer, cut a request short.</summary>
    public const string DeadlineReached = "DeadlineReached";

    /// <summary>Error code when no connection could be made (refused, no route, TLS failure).</summary>
    public const string Unreachable = "Unreachable";

    /// <summary>Error code when the peer was silent past the per-request timeout.</summary>
    public const string Timeout = "Timeout";

    /// <summary>True when the peer did not answer at all (connection refused, no route, TLS failure, its own silence).</summary>
    public static bool IsUnreachable(RemoteApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Service == Service && error.ErrorCode is Unreachable or Timeout;
    }
}
