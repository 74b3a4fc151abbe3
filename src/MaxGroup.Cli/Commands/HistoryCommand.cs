using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MaxGroup.Aws;
using MaxGroup.Aws.Ledger;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Functions.Wiring;
using Spectre.Console;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// `maxgroup history [--instance ID] [--since 1h] [--json] [--html FILE]`: the ledger's interruptions with their
/// timelines, newest first, from the DynamoDB table MAXGROUP_LEDGER_TABLE names. Reads only (GetItem, Scan).
/// </summary>
public static class HistoryCommand
{
    /// <summary>How many interruptions a listing shows at most unless --limit says otherwise.</summary>
    public const int DefaultLimit = 50;

    public static Command Create()
    {
        var instance = new Option<string>("--instance", "-i") { Description = "only this instance's interruption" };
        var since = new Option<TimeSpan?>("--since")
        {
            Description = "only warnings newer than this: 30m, 1h, 2d",
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (TryParseAge(text, out TimeSpan age))
                {
                    return age;
                }

                result.AddError($"--since {text}: expected a number followed by s, m, h or d (30m, 1h, 2d)");
                return null;
            },
        };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var html = new Option<FileInfo>("--html") { Description = "write one self-contained HTML page (steps against the deadline) to this file" };
        var limit = new Option<int>("--limit") { Description = "at most this many interruptions", DefaultValueFactory = _ => DefaultLimit };
        var command = new Command("history", "show the ledger's interruptions and their timelines");
        command.Options.Add(instance);
        command.Options.Add(since);
        command.Options.Add(json);
        command.Options.Add(limit);
        command.Options.Add(html);
        command.SetAction((parsed, cancellationToken) => RunAsync(
            new HistoryQuery(parsed.GetValue(instance), parsed.GetValue(since), parsed.GetValue(limit)),
            parsed.GetValue(json),
            parsed.GetValue(html),
            Environment.GetEnvironmentVariable,
            TimeProvider.System,
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    /// <summary>Reads "30m", "1h", "2d", "90s": a positive whole number and one unit.</summary>
    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text) || text.Length < 2)
        {
            return false;
        }

        text = text.Trim();
        if (!int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int amount) || amount <= 0)
        {
            return false;
        }

        TimeSpan? unit = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => null,
        };
        if (unit is not { } u)
        {
            return false;
        }

        age = u * amount;
        return true;
    }

    public static async Task<int> RunAsync(
        HistoryQuery query,
        bool json,
        FileInfo? htmlFile,
        Func<string, string?> getVariable,
        TimeProvider time,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(getVariable);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (query.Limit <= 0)
        {
            await error.WriteLineAsync(CliErrors.Format("--limit must be at least 1")).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        string table = FunctionServices.LedgerTableName(getVariable);
        using var aws = new AwsClientFactory(new AwsEnvironment(getVariable), time);
        var ledger = new DynamoDbLedger(ReadOnlySdkGuard.Guard(aws.DynamoDb), table);
        List<InterruptionRecord> records;
        try
        {
            if (query.InstanceId is { } instanceId)
            {
                InterruptionRecord? record = await ledger.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
                if (record is null)
                {
                    await error.WriteLineAsync(CliErrors.Format($"no interruption of {instanceId} in ledger table {table}")).ConfigureAwait(false);
                    return CliErrors.FailureExitCode;
                }

                records = [record];
            }
            else
            {
                records = [.. await ledger.ListRecentAsync(query.Limit, cancellationToken).ConfigureAwait(false)];
            }
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or RemoteApiException or HttpRequestException)
        {
            await error.WriteLineAsync(CliErrors.Format($"cannot read ledger table {table}: {ex.Message}")).ConfigureAwait(false);
            return CliErrors.FailureExitCode;
        }

        if (query.Since is { } age)
        {
            DateTimeOffset cutoff = time.GetUtcNow() - age;
            records = records.Where(r => r.WarningTime >= cutoff).ToList();
        }

        if (htmlFile is not null)
        {
            try
            {
                await File.WriteAllTextAsync(htmlFile.FullName, HistoryHtml.Render(records, $"ledger table {table}"), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync(CliErrors.Format($"cannot write {htmlFile.FullName}: {ex.Message}")).ConfigureAwait(false);
                return CliErrors.FailureExitCode;
            }

            await output.WriteLineAsync($"wrote {records.Count} interruption(s) to {htmlFile.FullName}").ConfigureAwait(false);
        }
        else if (json)
        {
            await output.WriteLineAsync(ToJson(records)).ConfigureAwait(false);
        }
        else if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
        {
            WriteTables(records, output);
        }
        else
        {
            await WritePlainAsync(records, table, output).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>One JSON array, newest warning first; times in ISO 8601 UTC.</summary>
    public static string ToJson(IReadOnlyList<InterruptionRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (InterruptionRecord record in records)
            {
                writer.WriteStartObject();
                writer.WriteString("instanceId", record.InstanceId);
                writer.WriteString("group", record.GroupName);
                writer.WriteString("status", LedgerText.Status(record.Status));
                writer.WriteString("warningTime", record.WarningTime);
                writer.WriteString("reclaimAt", record.ReclaimAt);
                writer.WriteString("instanceAction", record.InstanceAction);
                writer.WriteString("strategy", record.Strategy);
                writer.WriteBoolean("dryRun", record.DryRun);
                WriteOptional(writer, "successorInstanceId", record.SuccessorInstanceId);
                WriteOptional(writer, "volumeId", record.VolumeId);
                writer.WriteStartArray("eventIds");
                foreach (string id in record.EventIds)
                {
                    writer.WriteStringValue(id);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("steps");
                foreach (StepRecord step in record.Steps)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", step.Name);
                    writer.WriteString("status", LedgerText.Status(step.Status));
                    if (step.StartedAt is { } started)
                    {
                        writer.WriteString("startedAt", started);
                    }

                    if (step.FinishedAt is { } finished)
                    {
                        writer.WriteString("finishedAt", finished);
                    }

                    WriteOptional(writer, "reason", step.Reason);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteStartArray("timeline");
                foreach (TimelineEntry entry in record.Timeline)
                {
                    writer.WriteStartObject();
                    writer.WriteString("at", entry.At);
                    writer.WriteNumber("elapsedSeconds", Math.Round((entry.At - record.WarningTime).TotalSeconds, 1));
                    writer.WriteString("step", entry.Step);
                    writer.WriteString("status", entry.Status);
                    WriteOptional(writer, "reason", entry.Reason);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Plain text for pipes and files: one header line per interruption, its timeline indented under it.</summary>
    private static async Task WritePlainAsync(IReadOnlyList<InterruptionRecord> records, string table, TextWriter output)
    {
        if (records.Count == 0)
        {
            await output.WriteLineAsync($"no interruptions in ledger table {table}").ConfigureAwait(false);
            return;
        }

        foreach (InterruptionRecord record in records)
        {
            await output.WriteLineAsync(Header(record)).ConfigureAwait(false);
            await output.WriteLineAsync("  " + Details(record)).ConfigureAwait(false);
            foreach (TimelineEntry entry in record.Timeline)
            {
                string elapsed = Elapsed(record, entry);
                await output.WriteLineAsync($"  {elapsed,8}  {entry.Step,-12} {entry.Status,-9} {entry.Reason}".TrimEnd()).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A terminal gets one Spectre table per interruption (colours where the terminal has them).</summary>
    private static void WriteTables(IReadOnlyList<InterruptionRecord> records, TextWriter output)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (records.Count == 0)
        {
            console.WriteLine("no interruptions in the ledger");
            return;
        }

        foreach (InterruptionRecord record in records)
        {
            // Expanded, so the one-line title is not wrapped to the width of a short timeline.
            var table = new Table().Expand().Title(Markup.Escape(Header(record))).Caption(Markup.Escape(Details(record)));
            table.AddColumn("elapsed");
            table.AddColumn("step");
            table.AddColumn("status");
            table.AddColumn("reason");
            foreach (TimelineEntry entry in record.Timeline)
            {
                table.AddRow(
                    new Text(Elapsed(record, entry)),
                    new Text(entry.Step),
                    new Markup($"[{Colour(entry.Status)}]{Markup.Escape(entry.Status)}[/]"),
                    new Text(entry.Reason ?? ""));
            }

            console.Write(table);
        }
    }

    private static string Header(InterruptionRecord record) =>
        $"{record.InstanceId}  group {record.GroupName}  {LedgerText.Status(record.Status)}  warning {PlanCommand.Format(record.WarningTime)}  {record.InstanceAction} at {PlanCommand.Format(record.ReclaimAt)}";

    private static string Details(InterruptionRecord record) =>
        $"strategy {(record.Strategy.Length == 0 ? "-" : record.Strategy)}{(record.DryRun ? " (dry run)" : "")}"
        + $", successor {record.SuccessorInstanceId ?? "-"}, volume {record.VolumeId ?? "-"}, {record.EventIds.Count} event(s)";

    private static string Elapsed(InterruptionRecord record, TimelineEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"+{(entry.At - record.WarningTime).TotalSeconds:0.0}s");

    private static string Colour(string status) => Lower(status) switch
    {
        "done" => "green",
        "failed" => "red",
        "skipped" or "noop" => "grey",
        _ => "yellow",
    };

    private static string Lower(string text) => text.ToLowerInvariant();

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}

