using System.Globalization;
using Amazon.EC2.Model;
using MaxGroup.Core.Model;
using Spectre.Console;

namespace MaxGroup.Cli.Demo;

/// <summary>How the scale-in and retirement scenarios show a hand-over's ledger record and where a data volume is.</summary>
public static class DemoRecordView
{
    /// <summary>The record's steps as a table, then its timeline measured from <paramref name="from"/>.</summary>
    public static void Write(IAnsiConsole console, InterruptionRecord record, DateTimeOffset from, string fromLabel)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(record);
        var steps = new Table().Border(TableBorder.Rounded).AddColumn("step").AddColumn("status").AddColumn("reason");
        foreach (StepRecord step in record.Steps)
        {
            steps.AddRow(Markup.Escape(step.Name), Markup.Escape(step.Status.ToString()), Markup.Escape(step.Reason ?? ""));
        }

        console.Write(steps);
        // A lifecycle hand-over's deadline is the hook's global timeout, often days ahead: then the date is shown too.
        string deadline = record.ReclaimAt.UtcDateTime.Date == from.UtcDateTime.Date
            ? record.ReclaimAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : record.ReclaimAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        console.MarkupLine(CultureInfo.InvariantCulture, "ledger timeline of [bold]{0}[/] ({1} at {2:HH:mm:ss}, deadline {3}):", record.InstanceId, Markup.Escape(fromLabel), from, deadline);
        foreach (TimelineEntry entry in record.Timeline)
        {
            console.MarkupLine(CultureInfo.InvariantCulture, "  {0,7:+0.0}s  {1,-10} {2,-8} {3}", (entry.At - from).TotalSeconds,
                Markup.Escape(entry.Step), Markup.Escape(entry.Status), Markup.Escape(entry.Reason ?? ""));
        }
    }

    /// <summary>Where a volume is: its state and zone, and the instance and device it is attached to, if any.</summary>
    public static string Where(Volume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        VolumeAttachment? attachment = volume.Attachments?.FirstOrDefault();
        string on = attachment is null ? "attached to nothing" : $"attached to {attachment.InstanceId} at {attachment.Device} ({attachment.State})";
        return $"{volume.VolumeId} {volume.State} in {volume.AvailabilityZone}, {on}";
    }
}
