namespace MaxGroup.Core.Steps.Consul;

/// <summary>
/// How long the Consul step waits before deregistering: `sd_delay_detach_secs` when set, else
/// `detaching_delay_seconds`, shortened when the wait plus the work would not end before reclaim, so that the
/// deregistration still happens while the instance is alive (a late deregistration is worth more than none).
/// </summary>
public readonly record struct ConsulDelayPlan(TimeSpan Delay, TimeSpan Configured)
{
    public bool Shortened => Delay < Configured;

    /// <param name="configuredSeconds">The configured delay; negative counts as zero.</param>
    /// <param name="now">The current time.</param>
    /// <param name="reclaimAt">The instance's reclaim time.</param>
    /// <param name="workReserve">Time kept free after the wait for the deregistration calls and their verification.</param>
    public static ConsulDelayPlan Compute(int configuredSeconds, DateTimeOffset now, DateTimeOffset reclaimAt, TimeSpan workReserve)
    {
        TimeSpan configured = TimeSpan.FromSeconds(Math.Max(0, configuredSeconds));
        TimeSpan available = reclaimAt - now - workReserve;
        if (available < TimeSpan.Zero)
        {
            available = TimeSpan.Zero;
        }

        return new ConsulDelayPlan(configured <= available ? configured : available, configured);
    }
}
