namespace MaxGroup.Core.Preaction;

/// <summary>
/// Whether a group's own preaction_snapshot_interval_minutes is due in a scheduled run. The schedule runs at the finest
/// interval (the stack's PreactionIntervalMinutes); a group with a longer interval N is evaluated in the one run that
/// falls in the first schedule interval of each N-minute slot since the Unix epoch. Runs come every S minutes, so
/// exactly one of them lands in any S-minute window: no state is needed to evaluate a group once per N minutes.
/// </summary>
public static class PreactionSchedule
{
    /// <summary>True when a group with <paramref name="intervalMinutes"/> may plan a new batch in the run at <paramref name="now"/>.</summary>
    /// <param name="intervalMinutes">The group's interval; null = every run; 0 = never (no preaction schedule).</param>
    /// <param name="schedule">How often the scheduled run comes.</param>
    /// <param name="now">The run's time.</param>
    public static bool IsDue(int? intervalMinutes, TimeSpan schedule, DateTimeOffset now)
    {
        if (intervalMinutes is not int minutes)
        {
            return true;
        }

        if (minutes == 0)
        {
            return false;
        }

        long slot = minutes * 60L;
        long window = Math.Max(1L, (long)schedule.TotalSeconds);
        return window >= slot || now.ToUnixTimeSeconds() % slot < window;
    }
}
