namespace MaxGroup.Core.Tests.Polling;

/// <summary>
/// A clock whose timers fire <c>early</c> before its stopwatch has moved as far, as a whole-millisecond timer does
/// beside a finer stopwatch: a timer of d moves the stopwatch by d − early (never back) and fires at once, so a test
/// runs in no time and a loop that re-reads the clock alone sees a little wait still left after every timer.
/// </summary>
internal sealed class EarlyTimerClock(TimeSpan early) : TimeProvider
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private long _ticks;
    private int _timers;

    /// <summary>How many timers have fired.</summary>
    public int Timers => Volatile.Read(ref _timers);

    /// <summary>Moves the stopwatch as a slow call would.</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => Start + TimeSpan.FromTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            TimeSpan moved = dueTime - early;
            Interlocked.Add(ref _ticks, moved > TimeSpan.Zero ? moved.Ticks : 0);
            Interlocked.Increment(ref _timers);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new Fired();
    }

    private sealed class Fired : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
