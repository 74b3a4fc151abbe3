namespace MaxGroup.Core.Steps;

/// <summary>
/// The waits between polls of something that should change within <c>wait</c>: each at most <c>interval</c>, none once
/// the wait is spent. The wait is spent when the clock says so or when the waits already slept add up to it, whichever
/// comes first: a timer may fire a tick before the stopwatch has moved as far (Linux timers run on whole milliseconds),
/// and re-reading the clock alone would then poll in a tight loop for what is left, many reads in a millisecond.
/// </summary>
/// <param name="clock">The step's clock; its timers and its stopwatch.</param>
/// <param name="wait">How long the polls may go on (zero or less: no wait at all).</param>
/// <param name="interval">The longest wait between two polls.</param>
public sealed class PollBudget(TimeProvider clock, TimeSpan wait, TimeSpan interval)
{
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));
    private readonly long _started = clock.GetTimestamp();
    private TimeSpan _slept;

    /// <summary>Time since the budget was made, by the clock's stopwatch.</summary>
    public TimeSpan Elapsed => _clock.GetElapsedTime(_started);

    /// <summary>Waits until the next poll and answers true; answers false at once when the wait is spent.</summary>
    public async Task<bool> NextAsync(CancellationToken cancellationToken)
    {
        TimeSpan elapsed = Elapsed;
        TimeSpan left = wait - (elapsed > _slept ? elapsed : _slept);
        if (left <= TimeSpan.Zero)
        {
            return false;
        }

        TimeSpan delay = left < interval ? left : interval;
        _slept += delay;
        await Task.Delay(delay, _clock, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
