using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Traffic;

/// <summary>
/// The drain's <see cref="ITrafficGate"/> in Lambda and in-process alike: reads the hand-over's ledger record until its
/// traffic step is no longer Pending or Running. A hand-over without one (a preaction swap, a group with
/// lb_deregistration off) opens at once; a ledger that cannot be read opens at the cap, never earlier.
/// </summary>
public sealed class LedgerTrafficGate(ILedger ledger, TimeProvider clock) : ITrafficGate
{
    /// <summary>How often the ledger is read while the traffic step runs.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly ILedger _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));

    public async Task<string> WaitAsync(string instanceId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var budget = new PollBudget(_clock, until - _clock.GetUtcNow(), PollInterval);
        StepStatus? last = null;
        while (true)
        {
            try
            {
                StepRecord? step = (await _ledger.GetAsync(instanceId, cancellationToken).ConfigureAwait(false))?.FindStep(StepNames.Traffic);
                if (step is null)
                {
                    return "no traffic step";
                }

                if (!step.IsOutstanding)
                {
                    return $"traffic step {Wire(step.Status)} after {Seconds(budget)} s";
                }

                last = step.Status;
            }
            catch (RemoteApiException)
            {
                // A throttled or failed read: try again on the next poll; the cap still bounds the wait.
            }

            if (!await budget.NextAsync(cancellationToken).ConfigureAwait(false))
            {
                return $"traffic step still {(last is { } status ? Wire(status) : "unknown")} after {Seconds(budget)} s: evicting anyway";
            }
        }
    }

    private static string Wire(StepStatus status) => status.ToString().ToLowerInvariant();

    private static string Seconds(PollBudget budget) => budget.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
}
