using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>The pre-warmed successors in EC2 (tag spotmax:prewarm-until), and their release.</summary>
public interface IPrewarmFleet
{
    /// <summary>Pending or running instances carrying the pre-warm tag.</summary>
    Task<IReadOnlyList<PrewarmedInstance>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Terminates an unused pre-warmed successor (never a group member: the caller checks).</summary>
    Task TerminateAsync(string instanceId, CancellationToken cancellationToken);
}
