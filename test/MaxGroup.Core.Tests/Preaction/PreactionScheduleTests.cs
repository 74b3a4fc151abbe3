using MaxGroup.Core.Preaction;

namespace MaxGroup.Core.Tests.Preaction;

public class PreactionScheduleTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(0);

    [Fact]
    public void IsDue_NoGroupInterval_EveryRun()
    {
        Assert.True(PreactionSchedule.IsDue(null, TimeSpan.FromMinutes(20), Epoch.AddMinutes(7)));
    }

    [Fact]
    public void IsDue_Zero_Never()
    {
        Assert.False(PreactionSchedule.IsDue(0, TimeSpan.FromMinutes(20), Epoch));
    }

    [Fact]
    public void IsDue_IntervalNotAboveTheSchedule_EveryRun()
    {
        Assert.True(PreactionSchedule.IsDue(10, TimeSpan.FromMinutes(20), Epoch.AddMinutes(13)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(19)]
    public void IsDue_SixtyMinutesOnATwentyMinuteSchedule_ExactlyOneRunInEachHour(int offsetMinutes)
    {
        DateTimeOffset start = new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero).AddMinutes(offsetMinutes).AddSeconds(17);

        List<bool> due = Enumerable.Range(0, 12).Select(i => PreactionSchedule.IsDue(60, TimeSpan.FromMinutes(20), start.AddMinutes(20 * i))).ToList();

        // Twelve runs span four hours: one due run per hour, every third run.
        Assert.Equal(4, due.Count(d => d));
        Assert.All(due.Chunk(3), hour => Assert.Single(hour, d => d));
    }
}
