using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>What the dispatcher hands rebalance recommendations to, and the sweep that releases unused successors.</summary>
public interface IRebalanceHandler
{
    Task<DispatchResult> OnRebalanceAsync(MaxGroupEvent.RebalanceRecommendation rebalance, CancellationToken cancellationToken);

    /// <summary>Terminates pre-warmed successors no warning claimed; returns the ids released.</summary>
    Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken);
}
