using System.Globalization;
using System.Net;
using System.Text;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// `history --html`: ledger records in, one self-contained HTML page out. Per interruption, an inline SVG chart with
/// each step as a bar on a time axis from the warning, the deadline (reclaim time) as a line, the timeline entries
/// that drove the steps as marks, and the outcome. No script, font or image is fetched: the page opens offline.
/// Every value from the ledger is HTML-encoded.
/// </summary>
public static class HistoryHtml
{
    /// <summary>Width of the name column left of the chart, in SVG user units.</summary>
    public const int LabelWidth = 150;

    /// <summary>Width of the time axis, in SVG user units.</summary>
    public const int PlotWidth = 760;

    public const int RowHeight = 24;

    private const int AxisHeight = 28;
    private const int TopMargin = 22;

    public static string Render(IReadOnlyList<InterruptionRecord> records, string source)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(source);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>MaxGroup hand-overs: ").Append(Encode(source)).Append("</title>\n")
            .Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>MaxGroup hand-overs</h1>\n<p class=\"source\">")
            .Append(Encode(source)).Append(", ")
            .Append(records.Count.ToString(CultureInfo.InvariantCulture)).Append(" interruption(s), newest first</p>\n");
        if (records.Count == 0)
        {
            html.Append("<p class=\"empty\">no interruptions</p>\n");
        }

        foreach (InterruptionRecord record in records)
        {
            AppendInterruption(html, record);
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>How the interruption ended, in words: in progress, queued, completed, failed, and whether a step missed the deadline.</summary>
    public static string Outcome(InterruptionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        string outcome = record.Status switch
        {
            InterruptionStatus.Active => "in progress",
            InterruptionStatus.Queued => "queued",
            _ => LedgerSummary.EndEventType(record) == HandoverEventTypes.Failed ? "failed" : "completed",
        };
        bool missed = record.Steps.Any(s => s.Status == StepStatus.Skipped && s.FinishedAt >= record.ReclaimAt);
        return missed ? outcome + ", deadline missed" : outcome;
    }

    private static void AppendInterruption(StringBuilder html, InterruptionRecord record)
    {
        string outcome = Outcome(record);
        string outcomeClass = outcome.StartsWith("failed", StringComparison.Ordinal) || outcome.Contains("missed", StringComparison.Ordinal)
            ? "failed"
            : outcome == "completed" ? "done" : "running";
        html.Append("<section class=\"interruption\" data-instance=\"").Append(Encode(record.InstanceId)).Append("\">\n")
            .Append("<h2>").Append(Encode(record.InstanceId)).Append(" <span class=\"group\">group ").Append(Encode(record.GroupName))
            .Append("</span> <span class=\"outcome ").Append(outcomeClass).Append("\">").Append(Encode(outcome)).Append("</span></h2>\n")
            .Append("<p class=\"facts\">trigger ").Append(Encode(LedgerSummary.TriggerOf(record)))
            .Append(" &middot; warning ").Append(Encode(Time(record.WarningTime)))
            .Append(" &middot; ").Append(Encode(record.InstanceAction)).Append(" (deadline) ").Append(Encode(Time(record.ReclaimAt)))
            .Append(" &middot; strategy ").Append(Encode(record.Strategy.Length == 0 ? "-" : record.Strategy))
            .Append(record.DryRun ? " (dry run)" : "")
            .Append(" &middot; successor ").Append(Encode(record.SuccessorInstanceId ?? "-"))
            .Append(" &middot; volume ").Append(Encode(record.VolumeId ?? "-")).Append("</p>\n");
        AppendChart(html, record);
        AppendTimeline(html, record);
        html.Append("</section>\n");
    }

    private static void AppendChart(StringBuilder html, InterruptionRecord record)
    {
        var scale = TimeScale.For(record);
        int rows = record.Steps.Count + 1;
        int height = TopMargin + (rows * RowHeight) + AxisHeight;
        int width = LabelWidth + PlotWidth + 20;
        html.Append("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Num(width)).Append("\" height=\"").Append(Num(height))
            .Append("\" viewBox=\"0 0 ").Append(Num(width)).Append(' ').Append(Num(height)).Append("\" role=\"img\" aria-label=\"steps of ")
            .Append(Encode(record.InstanceId)).Append(" against the deadline\">\n");
        int plotBottom = TopMargin + (rows * RowHeight);

        // Axis: ticks at a round step from the warning.
        double tick = TickSeconds(scale.Span.TotalSeconds);
        for (double s = 0; s <= scale.Span.TotalSeconds + 1e-9; s += tick)
        {
            double x = scale.X(scale.Start.AddSeconds(s));
            html.Append("<line class=\"grid\" x1=\"").Append(Num(x)).Append("\" y1=\"").Append(Num(TopMargin)).Append("\" x2=\"").Append(Num(x))
                .Append("\" y2=\"").Append(Num(plotBottom)).Append("\"/>")
                .Append("<text class=\"tick\" x=\"").Append(Num(x)).Append("\" y=\"").Append(Num(plotBottom + 16)).Append("\">")
                .Append(Encode(Elapsed(scale.Start.AddSeconds(s) - record.WarningTime))).Append("</text>\n");
        }

        for (int i = 0; i < record.Steps.Count; i++)
        {
            StepRecord step = record.Steps[i];
            double y = TopMargin + (i * RowHeight);
            DateTimeOffset start = step.StartedAt ?? record.WarningTime;
            DateTimeOffset end = step.FinishedAt ?? (step.StartedAt is null ? start : scale.Latest);
            double x1 = scale.X(start);
            double barWidth = Math.Max(3, scale.X(end) - x1);
            string status = LedgerText.Status(step.Status);
            html.Append("<text class=\"label\" x=\"").Append(Num(LabelWidth - 8)).Append("\" y=\"").Append(Num(y + 16)).Append("\">")
                .Append(Encode(step.Name)).Append("</text>")
                .Append("<rect class=\"bar ").Append(Encode(status)).Append(step.StartedAt is null ? " not-started" : "")
                .Append("\" data-step=\"").Append(Encode(step.Name)).Append("\" data-status=\"").Append(Encode(status))
                .Append("\" x=\"").Append(Num(x1)).Append("\" y=\"").Append(Num(y + 4)).Append("\" width=\"").Append(Num(barWidth))
                .Append("\" height=\"").Append(Num(RowHeight - 8)).Append("\" rx=\"3\"><title>")
                .Append(Encode($"{step.Name} {status}: {Time(step.StartedAt)} to {Time(step.FinishedAt)}{(step.Reason is null ? "" : " (" + step.Reason + ")")}"))
                .Append("</title></rect>\n");
        }

        double eventsY = TopMargin + (record.Steps.Count * RowHeight);
        html.Append("<text class=\"label\" x=\"").Append(Num(LabelWidth - 8)).Append("\" y=\"").Append(Num(eventsY + 16)).Append("\">events</text>\n");
        foreach (TimelineEntry entry in record.Timeline)
        {
            html.Append("<circle class=\"event ").Append(Encode(entry.Status)).Append("\" cx=\"").Append(Num(scale.X(entry.At))).Append("\" cy=\"")
                .Append(Num(eventsY + (RowHeight / 2))).Append("\" r=\"4\"><title>")
                .Append(Encode($"{Elapsed(entry.At - record.WarningTime)} {entry.Step} {entry.Status}{(entry.Reason is null ? "" : ": " + entry.Reason)}"))
                .Append("</title></circle>\n");
        }

        double deadline = scale.X(record.ReclaimAt);
        html.Append("<line class=\"deadline\" data-at=\"").Append(Encode(Time(record.ReclaimAt))).Append("\" x1=\"").Append(Num(deadline))
            .Append("\" y1=\"").Append(Num(TopMargin - 6)).Append("\" x2=\"").Append(Num(deadline)).Append("\" y2=\"").Append(Num(plotBottom)).Append("\"/>")
            .Append("<text class=\"deadline-label\" x=\"").Append(Num(deadline)).Append("\" y=\"").Append(Num(TopMargin - 9)).Append("\">deadline ")
            .Append(Encode(Elapsed(record.ReclaimAt - record.WarningTime))).Append("</text>\n")
            .Append("</svg>\n");
    }

    private static void AppendTimeline(StringBuilder html, InterruptionRecord record)
    {
        html.Append("<table class=\"timeline\">\n<thead><tr><th>elapsed</th><th>at</th><th>step</th><th>status</th><th>reason</th></tr></thead>\n<tbody>\n");
        foreach (TimelineEntry entry in record.Timeline)
        {
            html.Append("<tr><td>").Append(Encode(Elapsed(entry.At - record.WarningTime))).Append("</td><td>").Append(Encode(Time(entry.At)))
                .Append("</td><td>").Append(Encode(entry.Step)).Append("</td><td class=\"").Append(Encode(entry.Status)).Append("\">")
                .Append(Encode(entry.Status)).Append("</td><td>").Append(Encode(entry.Reason ?? "")).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
        if (record.EventIds.Count > 0)
        {
            html.Append("<p class=\"events\">EventBridge event ids: ").Append(Encode(string.Join(", ", record.EventIds))).Append("</p>\n");
        }
    }

    /// <summary>A round tick interval giving at most about ten ticks over <paramref name="spanSeconds"/>.</summary>
    private static double TickSeconds(double spanSeconds)
    {
        foreach (double step in (double[])[1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400])
        {
            if (spanSeconds / step <= 10)
            {
                return step;
            }
        }

        return Math.Ceiling(spanSeconds / 10 / 86400) * 86400;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Num(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    private static string Elapsed(TimeSpan span) =>
        string.Create(CultureInfo.InvariantCulture, $"{(span < TimeSpan.Zero ? "-" : "+")}{Math.Abs(span.TotalSeconds):0.#}s");

    /// <summary>The chart's time axis: from the warning (or anything earlier) to past the deadline and the last entry.</summary>
    private sealed record TimeScale(DateTimeOffset Start, TimeSpan Span, DateTimeOffset Latest)
    {
        public static TimeScale For(InterruptionRecord record)
        {
            // What happened, without the deadline: a step still running is drawn up to the last thing the ledger saw.
            var seen = new List<DateTimeOffset> { record.WarningTime };
            seen.AddRange(record.Timeline.Select(t => t.At));
            seen.AddRange(record.Steps.SelectMany(s => new[] { s.StartedAt, s.FinishedAt }).OfType<DateTimeOffset>());
            DateTimeOffset start = seen.Min() < record.ReclaimAt ? seen.Min() : record.ReclaimAt;
            DateTimeOffset latest = seen.Max();
            TimeSpan span = (latest > record.ReclaimAt ? latest : record.ReclaimAt) - start;

            // A little room right of the last mark; never a zero span (one instant still gets an axis).
            span = span <= TimeSpan.Zero ? TimeSpan.FromSeconds(10) : span * 1.05;
            return new TimeScale(start, span, latest);
        }

        public double X(DateTimeOffset at) => LabelWidth + ((at - Start).TotalSeconds / Span.TotalSeconds * PlotWidth);
    }

    private const string Css = """
        body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1b1f24; background: #ffffff; }
        h1 { font-size: 20px; margin: 0 0 4px; }
        h2 { font-size: 16px; margin: 0 0 4px; }
        .source, .facts, .events { color: #57606a; margin: 0 0 8px; }
        section.interruption { border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
        .group { font-weight: normal; color: #57606a; }
        .outcome { font-size: 13px; padding: 1px 8px; border-radius: 10px; color: #ffffff; background: #9a6700; }
        .outcome.done { background: #1a7f37; }
        .outcome.failed { background: #cf222e; }
        svg.chart { display: block; margin: 8px 0; }
        .label { font-size: 12px; text-anchor: end; fill: #1b1f24; }
        .tick { font-size: 11px; text-anchor: middle; fill: #57606a; }
        .grid { stroke: #eaeef2; stroke-width: 1; }
        .bar { fill: #bf8700; }
        .bar.done, .bar.noop { fill: #2da44e; }
        .bar.noop { opacity: 0.6; }
        .bar.failed { fill: #cf222e; }
        .bar.skipped { fill: #8c959f; }
        .bar.waiting { fill: #0969da; }
        .bar.not-started { fill: #d0d7de; }
        .event { fill: #0969da; stroke: #ffffff; stroke-width: 1; }
        .event.failed { fill: #cf222e; }
        .event.done { fill: #2da44e; }
        .deadline { stroke: #cf222e; stroke-width: 2; stroke-dasharray: 6 3; }
        .deadline-label { font-size: 11px; text-anchor: middle; fill: #cf222e; }
        table.timeline { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
        table.timeline th, table.timeline td { border-bottom: 1px solid #eaeef2; padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
        table.timeline td:nth-child(-n+4) { white-space: nowrap; }
        td.failed { color: #cf222e; }
        td.done { color: #1a7f37; }

        """;
}
