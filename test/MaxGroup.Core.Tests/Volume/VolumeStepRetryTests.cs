using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>
/// The warning's volume preparation tried again after a retryable EC2 answer, through the steps' one retry on the
/// injected clock: CI's fault drill had three throttled DescribeInstances fail the step before the volume was tagged.
/// The clock is driven to each wait the step starts on it, so nothing here sleeps or depends on how fast it runs.
/// </summary>
public sealed class VolumeStepRetryTests : VolumeMoverTestBase
{
    private static readonly TimeSpan[] FirstThreeWaits = [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(750)];

    private readonly TimerRecordingClock _time = new(Warning.AddSeconds(5));
    private readonly RecordingLogger _log = new();

    [Fact]
    public async Task Prepare_ThreeThrottledDescribeInstances_TriedAgainOnTheClockAndTheVolumeIsTagged()
    {
        (_, FakeVolume data) = Doomed();
        Throttle(3);

        StepOutcome outcome = await DriveAsync(Step().RunAsync(Request(), CancellationToken.None));

        Assert.Equal(StepStatus.Waiting, outcome.Status);
        Assert.Equal(VolumeTags.Statuses.Pending, data.Tags[VolumeTags.Status]);
        Assert.Empty(_ec2.DescribeInstanceFaults);
        Assert.Equal(FirstThreeWaits, _time.Timers);
        Assert.Equal(3, _log.Lines.Count(l => l.Contains("RequestLimitExceeded (attempt", StringComparison.Ordinal) && l.Contains("trying again", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Prepare_ThrottledPastTheStepsDeadline_StopsTherePendingForTheSweepAndTriesNoMore()
    {
        (_, FakeVolume data) = Doomed();
        Throttle(10);
        // The step's time as the runner gives it: a token that fires, on the step's clock, 1 s from now.
        using var stepTime = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
        int before = _time.Timers.Count;

        StepOutcome outcome = await DriveAsync(Step().RunAsync(Request(), stepTime.Token), before);
        int calls = _ec2.DescribeInstanceCalls;
        _time.Advance(TimeSpan.FromSeconds(30));

        // Nothing but the ledger knows of an untagged move: the step is pending again, so the sweep resumes it.
        Assert.Equal(StepStatus.Pending, outcome.Status);
        Assert.StartsWith("out of time in this invocation before the move of the volume at /dev/sdf was tagged: pending again", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("the sweep resumes the step", outcome.Reason, StringComparison.Ordinal);
        // Tried at 0, 250 and 750 ms; the wait for a fourth try (to 1.5 s) was cut at the deadline.
        Assert.Equal(FirstThreeWaits, _time.Timers.Skip(before));
        Assert.Equal(7, _ec2.DescribeInstanceFaults.Count);
        Assert.Equal(calls, _ec2.DescribeInstanceCalls);
        Assert.False(data.Tags.ContainsKey(VolumeTags.Status));
    }

    [Fact]
    public async Task Prepare_ThrottledEveryTime_StopsAfterFiveTriesPendingForTheSweep()
    {
        (_, FakeVolume data) = Doomed();
        Throttle(10);

        // The volume the dispatcher kept and recorded before the begin, as deployed.
        StepOutcome outcome = await DriveAsync(Step().RunAsync(Request() with { DataVolumeId = data.Id }, CancellationToken.None));

        Assert.Equal(StepStatus.Pending, outcome.Status);
        Assert.StartsWith($"ec2 RequestLimitExceeded 5 times before the move of {data.Id} was tagged: pending again", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(5, 10 - _ec2.DescribeInstanceFaults.Count);
        Assert.Equal([.. FirstThreeWaits, TimeSpan.FromSeconds(1)], _time.Timers);
    }

    [Fact]
    public async Task Prepare_ThrottledEveryTimeAnHourAfterTheReclaim_FailsSayingNothingMovesItNow()
    {
        (_, FakeVolume data) = Doomed();
        Throttle(10);
        RemediationRequest late = Request() with { DataVolumeId = data.Id, ReclaimAt = _time.GetUtcNow() - VolumeStep.UntaggedResumeWindow };

        StepOutcome outcome = await DriveAsync(Step().RunAsync(late, CancellationToken.None));

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.StartsWith($"ec2 RequestLimitExceeded 5 times before the move of {data.Id} was tagged, and 60 minutes have passed since the reclaim", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("MaxGroup deleted nothing", outcome.Reason, StringComparison.Ordinal);
        Assert.True(_ec2.Volumes.ContainsKey(data.Id));
    }

    [Fact]
    public async Task Prepare_NonRetryableError_FailsAtOnceWithoutAWait()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.DescribeInstanceFaults.Enqueue(new RemoteApiException("ec2", "UnauthorizedOperation", "You are not authorized to perform this operation.", 403));

        StepOutcome outcome = await DriveAsync(Step().RunAsync(Request(), CancellationToken.None));

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.StartsWith("ec2 UnauthorizedOperation", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, _ec2.DescribeInstanceCalls);
        Assert.Empty(_time.Timers);
        Assert.False(data.Tags.ContainsKey(VolumeTags.Status));
    }

    private VolumeStep Step() =>
        new(new VolumeMover(_ec2, _time, NullLogger.Instance, options: new VolumeMoverOptions { MaxWait = TimeSpan.Zero }), _time, _log);

    private void Throttle(int times)
    {
        for (int i = 0; i < times; i++)
        {
            _ec2.DescribeInstanceFaults.Enqueue(new RemoteApiException("ec2", "RequestLimitExceeded", "Request limit exceeded.", 503));
        }
    }

    /// <summary>Runs <paramref name="run"/> to its end, moving the clock to the end of each wait it starts on it (after the first <paramref name="skip"/> timers).</summary>
    private async Task<T> DriveAsync<T>(Task<T> run, int skip = 0)
    {
        int seen = skip;
        while (true)
        {
            // Bounded only so a broken run fails the test rather than hanging it.
            for (int polls = 0; !run.IsCompleted && _time.Timers.Count <= seen; polls++)
            {
                Assert.True(polls < 10_000, "the step neither finished nor started a wait on its clock");
                await Task.Delay(1);
            }

            if (run.IsCompleted)
            {
                return await run;
            }

            _time.Advance(_time.Timers[seen++]);
        }
    }

    /// <summary>A fake clock that keeps the due time of every timer created on it (a Task.Delay on it is one).</summary>
    private sealed class TimerRecordingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly Lock _gate = new();
        private readonly List<TimeSpan> _timers = [];

        public IReadOnlyList<TimeSpan> Timers
        {
            get
            {
                lock (_gate)
                {
                    return [.. _timers];
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                _timers.Add(dueTime);
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
