using System.Globalization;
using MaxGroup.Core.Model;

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
    /// The begin marks the first step (replace) Running in the same ledger write, and the runner trusts that claim.
    /// In-process (`--inline`) as it is; through Lambda, whose asynchronous invocation may be delivered twice, only with
    /// <see cref="IssueClaimTokens"/>: both copies would otherwise trust the claim.
    /// </summary>
    public bool ClaimFirstStep { get; init; }

    /// <summary>
    /// With <see cref="ClaimFirstStep"/>, for steps run in other functions (Lambda): the begin stores a fresh token as the
    /// claimed step's pending claim and the request carries it; the invoked function consumes it with one conditional
    /// write, so only one of two deliveries of the invocation runs as the first run (the other finds the step running).
    /// </summary>
    public bool IssueClaimTokens { get; init; }

    /// <summary>
    /// The Spot warning rule targets the replace function beside the dispatcher (its own intake begins the hand-over and
    /// runs the replace step in its process, no Invoke hop): a warning whose record was begun less than a step lease ago
    /// for this same event is the other function's delivery (or an immediate duplicate) and is answered as a duplicate,
    /// never resumed (a resume could only stand by behind the live run's lease). Later deliveries resume as ever.
    /// </summary>
    public bool SiblingIntake { get; init; }

    /// <summary>
    /// MAXGROUP_REPLACE_INTAKE_GRACE_MS (dispatcher, with <see cref="SiblingIntake"/>): how long the dispatcher waits before
    /// it opens a Spot warning, so the replace function's own delivery begins it first; the dispatcher's begin is the
    /// fallback when that delivery fails or is late. The ledger's conditional begin lets only one of them begin.
    /// </summary>
    public TimeSpan SiblingGrace { get; init; }

    /// <summary>
    /// MAXGROUP_SWEEP_WATCH_SECONDS: how long one scheduled sweep keeps watching open hand-overs for stalled steps (the
    /// template sets it below the dispatcher's timeout and the schedule's period). 0: one pass only (CLI, tests).
    /// </summary>
    public TimeSpan SweepWatch { get; init; } = TimeSpan.Zero;

    /// <summary>How often a watching sweep looks again.</summary>
    public TimeSpan SweepWatchInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The dispatcher's default wait for the replace function's own begin: a cold start of both and the intake fit.</summary>
    public const int DefaultSiblingGrace = 2000;

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
            SiblingIntake = bool.TryParse(getVariable("MAXGROUP_REPLACE_TAKES_WARNINGS"), out bool sibling) && sibling,
            SiblingGrace = sibling
                ? TimeSpan.FromMilliseconds(int.TryParse(getVariable("MAXGROUP_REPLACE_INTAKE_GRACE_MS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int grace) && grace >= 0 ? grace : DefaultSiblingGrace)
                : TimeSpan.Zero,
            SweepWatch = int.TryParse(getVariable("MAXGROUP_SWEEP_WATCH_SECONDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int watch) && watch > 0
                ? TimeSpan.FromSeconds(watch)
                : TimeSpan.Zero,
        };
    }
}
