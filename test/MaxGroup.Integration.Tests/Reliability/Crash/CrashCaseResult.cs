using System.Text.Json.Serialization;

namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>What one crash-drill case did and which invariants it broke; serialised into artifacts/crash-drill/results.json.</summary>
public sealed class CrashCaseResult
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Name { get; init; }

    public required string Mode { get; init; }

    /// <summary>The scripted point; null for the calibration run.</summary>
    public CrashKillPoint? Kill { get; init; }

    /// <summary>Whether the scripted point was reached (a later run may not make the call again).</summary>
    public bool KillFired { get; set; }

    public string? KilledChild { get; set; }

    /// <summary>Seconds from the first delivery to the kill.</summary>
    public double? KilledAtSeconds { get; set; }

    public DateTimeOffset Reclaim { get; set; }

    public List<CrashInvariant> Invariants { get; set; } = [];

    public List<string> Steps { get; set; } = [];

    /// <summary>"label: exit N, 0.0 to 12.3 s[, killed]" per child process, seconds from the first delivery.</summary>
    public List<string> Children { get; set; } = [];

    /// <summary>"12.3 s child service:Action #k status note" per mutating call, seconds from the first delivery.</summary>
    public List<string> MutatingCalls { get; set; } = [];

    /// <summary>The case could not be set up or read back: it says nothing about the invariants.</summary>
    public string? Error { get; set; }

    public double DurationSeconds { get; set; }

    [JsonIgnore]
    public IReadOnlyList<CrashCall> Calls { get; private set; } = [];

    [JsonIgnore]
    public bool Passed => Error is null && Invariants.Count > 0 && Invariants.All(i => i.Held);

    [JsonIgnore]
    public IEnumerable<string> Broken => Error is not null ? ["error"] : Invariants.Where(i => !i.Held).Select(i => i.Name);

    public void Finish(CrashKillProxy proxy, IReadOnlyList<CrashChild> children, TimeSpan duration)
    {
        DateTimeOffset zero = Reclaim == default ? children.Select(c => c.Started).DefaultIfEmpty(DateTimeOffset.UtcNow).Min() : Reclaim - CrashDrillCase.ReclaimAfter;
        string At(DateTimeOffset t) => (t - zero).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        Calls = proxy.Calls;
        KillFired = proxy.Kill is not null;
        KilledChild = proxy.Kill?.Child;
        KilledAtSeconds = proxy.Kill is { } kill ? Math.Round((kill.At - zero).TotalSeconds, 1) : null;
        Children = [.. children.OrderBy(c => c.Started).Select(c => $"{c.Label}: exit {c.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-"}, {At(c.Started)} to {(c.Ended is { } e ? At(e) : "-")} s{(c.Killed ? ", killed" : "")}")];
        MutatingCalls = [.. Calls.Where(c => c.Mutating).OrderBy(c => c.Start).Select(c => $"{At(c.Start)} s {c.Child}: {c.Call} #{c.Occurrence} {c.Status}{(c.Note.Length > 0 ? " " + c.Note : "")}")];
        DurationSeconds = Math.Round(duration.TotalSeconds, 1);
    }

    /// <summary>The case as text (case.txt in its directory, next to each child's log).</summary>
    public string Detail()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Name}: {(Passed ? "every invariant held" : "broke " + string.Join(", ", Broken))}; kill {(Kill is null ? "none (calibration)" : $"{Kill.Key}, {(KillFired ? $"fired in {KilledChild} at {KilledAtSeconds} s" : "never reached")}")}");
        if (Error is not null)
        {
            text.AppendLine("error: " + Error);
        }

        foreach (CrashInvariant invariant in Invariants)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {(invariant.Held ? "held  " : "BROKEN")} {invariant.Name}: {invariant.Detail}");
        }

        text.AppendLine("ledger steps: " + string.Join("; ", Steps));
        text.AppendLine("children (seconds from the first delivery; reclaim at 100 s):");
        Children.ForEach(c => text.AppendLine("  " + c));
        text.AppendLine("mutating calls:");
        MutatingCalls.ForEach(c => text.AppendLine("  " + c));
        return text.ToString();
    }

    /// <summary>Writes every result to artifacts/crash-drill/<paramref name="fileName"/> and returns its path.</summary>
    public static string WriteAll(string fileName, IReadOnlyList<CrashCaseResult> results, DateTimeOffset started)
    {
        Directory.CreateDirectory(ArtifactsDirectory);
        string path = Path.Combine(ArtifactsDirectory, fileName);
        var document = new
        {
            Started = started,
            Finished = DateTimeOffset.UtcNow,
            Cases = results,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json));
        return path;
    }

    public static string ArtifactsDirectory => Path.Combine(Runtime.RepositoryPaths.Root, "artifacts", "crash-drill");
}
