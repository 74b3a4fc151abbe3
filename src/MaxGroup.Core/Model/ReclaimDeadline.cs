namespace MaxGroup.Core.Model;

/// <summary>The moment AWS reclaims an interrupted Spot instance: the warning's time plus two minutes.</summary>
public readonly record struct ReclaimDeadline(DateTimeOffset WarningTime, DateTimeOffset ReclaimAt)
{
    /// <summary>AWS documents the notice as two minutes ahead of the interruption.</summary>
    public static readonly TimeSpan NoticePeriod = TimeSpan.FromSeconds(120);

    public static ReclaimDeadline FromWarning(DateTimeOffset warningTime) => new(warningTime, warningTime + NoticePeriod);

    /// <summary>Time left before reclaim; never negative.</summary>
    public TimeSpan Remaining(TimeProvider clock)
    {
        TimeSpan left = ReclaimAt - clock.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>True when work of the given duration, started now, ends before reclaim.</summary>
    public bool CanFit(TimeSpan duration, TimeProvider clock) => clock.GetUtcNow() + duration <= ReclaimAt;

    public bool HasPassed(TimeProvider clock) => clock.GetUtcNow() >= ReclaimAt;

    /// <summary>
    /// A token that fires at the earlier of the reclaim time and <paramref name="outer"/>
    /// (for example the Lambda invocation's own deadline). Dispose the returned source.
    /// </summary>
    public CancellationTokenSource CreateLinkedToken(TimeProvider clock, CancellationToken outer)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        TimeSpan left = ReclaimAt - clock.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            cts.Cancel();
        }
        else
        {
            cts.CancelAfter(left);
        }

        return cts;
    }
}
