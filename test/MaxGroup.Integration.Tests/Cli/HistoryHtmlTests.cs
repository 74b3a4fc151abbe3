using System.Text.RegularExpressions;
using MaxGroup.Cli.Commands;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>The `history --html` renderer as a pure function: ledger records in, one offline HTML page out.</summary>
public sealed partial class HistoryHtmlTests
{
    internal static readonly DateTimeOffset Warning = new(2026, 12, 3, 6, 0, 0, TimeSpan.Zero);

    /// <summary>A hand-over with a step of every kind of ending: done, failed, still running, never started; hostile text in it.</summary>
    internal static InterruptionRecord SampleRecord(string instanceId = "i-0123456789abcdef0") => new()
    {
        InstanceId = instanceId,
        GroupName = "web & <b>api</b>",
        WarningTime = Warning,
        ReclaimAt = Warning.AddMinutes(2),
        Strategy = "launch",
        Status = InterruptionStatus.Done,
        SuccessorInstanceId = "i-0fedcba9876543210",
        EventIds = ["e1\"onload=\"alert(1)"],
        Steps =
        [
            new StepRecord { Name = "drain", Status = StepStatus.Done, StartedAt = Warning.AddSeconds(1), FinishedAt = Warning.AddSeconds(41) },
            new StepRecord { Name = "replace", Status = StepStatus.Failed, StartedAt = Warning.AddSeconds(1), FinishedAt = Warning.AddSeconds(95), Reason = "<script>alert('x')</script>" },
            new StepRecord { Name = "consul", Status = StepStatus.Running, StartedAt = Warning.AddSeconds(2) },
            new StepRecord { Name = "volume", Status = StepStatus.Pending },
        ],
        Timeline =
        [
            new TimelineEntry(Warning, "interruption", "warning"),
            new TimelineEntry(Warning.AddSeconds(1), "drain", "running"),
            new TimelineEntry(Warning.AddSeconds(1), "replace", "running"),
            new TimelineEntry(Warning.AddSeconds(2), "consul", "running"),
            new TimelineEntry(Warning.AddSeconds(41), "drain", "done", "evicted 3 pod(s)"),
            new TimelineEntry(Warning.AddSeconds(95), "replace", "failed", "<script>alert('x')</script>"),
        ],
    };

    [Fact]
    public void Render_OneInterruption_OneBarPerStepInStepOrder()
    {
        string html = HistoryHtml.Render([SampleRecord()], "ledger table maxgroup-ledger");

        List<string> bars = BarSteps().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["drain", "replace", "consul", "volume"], bars);
        Assert.Contains("class=\"bar failed\" data-step=\"replace\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"bar pending not-started\" data-step=\"volume\"", html, StringComparison.Ordinal);
        Assert.Equal(6, Count(html, "<circle class=\"event"));
    }

    [Fact]
    public void Render_Deadline_OneLineAtTheReclaimTimeRightOfTheBarsThatEndedBeforeIt()
    {
        string html = HistoryHtml.Render([SampleRecord()], "ledger");

        Match deadline = Assert.Single(DeadlineLines().Matches(html));
        Assert.Equal("2026-12-03 06:02:00Z", deadline.Groups[1].Value);
        double deadlineX = double.Parse(deadline.Groups[2].Value, CultureInfo.InvariantCulture);
        Match drain = Assert.Single(BarGeometry().Matches(html), m => m.Groups[1].Value == "drain");
        double drainEnd = double.Parse(drain.Groups[2].Value, CultureInfo.InvariantCulture) + double.Parse(drain.Groups[3].Value, CultureInfo.InvariantCulture);
        Assert.True(drainEnd < deadlineX, $"drain ends at x={drainEnd}, deadline at x={deadlineX}");
        Assert.Contains(">deadline +120s</text>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LedgerText_IsHtmlEncodedEverywhere()
    {
        string html = HistoryHtml.Render([SampleRecord("i-<img src=x>")], "table <x>");

        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>api</b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<x>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\"onload=\"", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("web &amp; &lt;b&gt;api&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("data-instance=\"i-&lt;img src=x&gt;\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Page_IsSelfContained()
    {
        string html = HistoryHtml.Render([SampleRecord()], "ledger");

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        // The only URL is the SVG namespace name, which is never fetched.
        Assert.Equal(Count(html, "http://"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    }

    [Theory]
    [InlineData(InterruptionStatus.Active, StepStatus.Running, "in progress")]
    [InlineData(InterruptionStatus.Done, StepStatus.Done, "completed")]
    [InlineData(InterruptionStatus.Done, StepStatus.Failed, "failed")]
    [InlineData(InterruptionStatus.Done, StepStatus.Skipped, "failed, deadline missed")]
    public void Outcome_ByStepEnding_SaysHowTheHandoverEnded(InterruptionStatus status, StepStatus step, string outcome)
    {
        InterruptionRecord record = SampleRecord() with
        {
            Status = status,
            Steps = [new StepRecord { Name = "drain", Status = step, StartedAt = Warning, FinishedAt = step == StepStatus.Running ? null : Warning.AddMinutes(2) }],
        };

        Assert.Equal(outcome, HistoryHtml.Outcome(record));
        Assert.Contains($">{outcome}</span>", HistoryHtml.Render([record], "ledger"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoRecords_SaysSo()
    {
        string html = HistoryHtml.Render([], "ledger table t");

        Assert.Contains("no interruptions", html, StringComparison.Ordinal);
        Assert.Equal(0, Count(html, "class=\"bar"));
    }

    internal static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [GeneratedRegex("<rect class=\"bar[^\"]*\" data-step=\"([^\"]*)\"")]
    internal static partial Regex BarSteps();

    [GeneratedRegex("<line class=\"deadline\" data-at=\"([^\"]*)\" x1=\"([0-9.]+)\"")]
    private static partial Regex DeadlineLines();

    [GeneratedRegex("data-step=\"([^\"]*)\" data-status=\"[^\"]*\" x=\"([0-9.]+)\" y=\"[0-9.]+\" width=\"([0-9.]+)\"")]
    private static partial Regex BarGeometry();
}
