namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>What one drill run did and what the invariants found, read back from the peers and the ledger.</summary>
public sealed class FaultDrillRun
{
    /// <summary>The <see cref="FaultDrillTrigger"/> key: how the instance left.</summary>
    public required string Trigger { get; init; }
    public required string Plan { get; init; }
    public required int Seed { get; init; }
    public required string InstanceId { get; init; }
    public required string VolumeId { get; init; }
    public required IReadOnlyList<string> Invocations { get; init; }
    public required IReadOnlyList<ProxiedCall> Calls { get; init; }
    public required string LogPath { get; init; }
    public TimeSpan Duration { get; set; }

    /// <summary>When the drill delivered the instance's terminated state change (from then on its Node is acted on).</summary>
    public DateTimeOffset TerminatedReportedAt { get; set; } = DateTimeOffset.MaxValue;
    public InterruptionRecord? Record { get; set; }
    public string? Successor { get; set; }
    public string VolumeOutcome { get; set; } = "";

    /// <summary>Broken invariants: each one a defect.</summary>
    public List<string> Violations { get; } = [];

    /// <summary>Steps that ended failed or skipped, with their reason: allowed under faults, reported.</summary>
    public List<string> Failures { get; } = [];

    public int FaultsInjected => Calls.Count(c => c.Fault != "none");

    /// <summary>Each step's final status, in plan order: "replace done, volume done, ...".</summary>
    public string Steps => Record is null ? "(no record)" : string.Join(", ", Record.Steps.Select(s => $"{s.Name} {s.Status.ToString().ToLowerInvariant()}"));
}
