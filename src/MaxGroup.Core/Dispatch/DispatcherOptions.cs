using System.Globalization;
using MaxGroup.Core.Ledger;

namespace MaxGroup.Core.Dispatch;

/// <summary>The dispatcher's settings, from the environment (see docs/architecture.md).</summary>
public sealed record DispatcherOptions
{
    public InFlightLimits Limits { get; init; } = new();
    /// <summary>MAXGROUP_DRY_RUN=true: every group runs dry.</summary>
    public bool ForceDryRun { get; init; }
    /// <summary>How long the ledger keeps a record (DynamoDB TTL).</summary>
    public TimeSpan RecordLifetime { get; init; } = TimeSpan.FromDays(30);
    /// <summary>At most this many queued interruptions are promoted per invocation, so one invocation stays short.</summary>
    public int MaxDequeuePerInvocation { get; init; } = 25;
    /// <summary>
    /// The begin marks the first step (replace) Running in the same ledger write, and the runner trusts that claim. Only
    /// for steps run in-process (`--inline`): a Lambda asynchronous invocation may be delivered twice, and both copies
    /// would trust the claim, so there the runner's own conditional start stays the guard.
    /// </summary>
    public bool ClaimFirstStep { get; init; }

    public static DispatcherOptions FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return new DispatcherOptions
        {
            Limits = InFlightLimits.FromEnvironment(getVariable),
            ForceDryRun = bool.TryParse(getVariable("MAXGROUP_DRY_RUN"), out bool dry) && dry,
            RecordLifetime = int.TryParse(getVariable("MAXGROUP_LEDGER_TTL_DAYS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int days) && days > 0
                ? TimeSpan.FromDays(days)
                : TimeSpan.FromDays(30),
        };
    }
}
