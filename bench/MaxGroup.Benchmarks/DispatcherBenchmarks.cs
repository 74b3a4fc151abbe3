using BenchmarkDotNet.Attributes;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Events;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Routing;
using MaxGroup.Core.Runner;
using Microsoft.Extensions.Logging.Abstractions;

namespace MaxGroup.Benchmarks;

/// <summary>
/// Issue 10 item 3: what the dispatcher itself costs per warning (time and allocations) with in-memory ports, so the
/// figures show the planning and ledger logic and nothing of the network.
/// </summary>
[MemoryDiagnoser]
public class DispatcherBenchmarks
{
    private const string Group = "web";
    private const string DoomedId = "i-0aaaaaaaaaaaaaaa1";

    private readonly BenchInventory _inventory = new();
    private readonly BenchConfigSource _configs = new();
    private readonly AcceptingInvoker _invoker = new();
    private readonly FixedTime _clock = new(BenchSamples.WarningTime.AddSeconds(2));
    private readonly DispatcherOptions _options = new();
    private readonly GroupConfig _config = new() { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0 };
    private MaxGroupEvent.SpotInterruption _warning = null!;
    private MaxGroupEvent.SpotInterruption _redelivery = null!;
    private Dispatcher _warmDispatcher = null!;
    private string _warningJson = "";

    [GlobalSetup]
    public void Setup()
    {
        _inventory.Add(BenchSamples.Instance(DoomedId, Group));
        _configs.Add(_config);
        _warningJson = BenchSamples.WarningJson(DoomedId, "ev-1");
        _warning = BenchSamples.Warning(DoomedId, "ev-1");
        _redelivery = BenchSamples.Warning(DoomedId, "ev-2");

        // Refuse to measure a path other than the one named: a warning that is not Started (too late, unmanaged)
        // would time the short-cut instead.
        DispatchResult first = NewWarning().GetAwaiter().GetResult();
        if (first.Status != DispatchStatus.Started)
        {
            throw new InvalidOperationException($"the new-warning benchmark does not start remediation: {first.Status} {first.Reason}");
        }

        _warmDispatcher = NewDispatcher(new InMemoryLedger());
        _warmDispatcher.DispatchAsync(_warning, CancellationToken.None).GetAwaiter().GetResult();
        DispatchResult again = Duplicate().GetAwaiter().GetResult();
        if (again.Status != DispatchStatus.Duplicate)
        {
            throw new InvalidOperationException($"the duplicate benchmark is not a duplicate: {again.Status} {again.Reason}");
        }
    }

    /// <summary>Parsing the EventBridge JSON of a Spot warning.</summary>
    [Benchmark]
    public MaxGroupEvent ParseWarning() => EventParser.Parse(_warningJson);

    /// <summary>Which steps a group's config enables.</summary>
    [Benchmark]
    public IReadOnlyList<string> PlanSteps() => StepPlan.For(_config);

    /// <summary>The fixed cost inside <see cref="NewWarning"/>: a fresh ledger and dispatcher (subtract it).</summary>
    [Benchmark]
    public Dispatcher ConstructLedgerAndDispatcher() => NewDispatcher(new InMemoryLedger());

    /// <summary>A first warning: ledger lookup, inventory, config, plan, conditional begin, step start, step record.</summary>
    [Benchmark]
    public Task<DispatchResult> NewWarning() => NewDispatcher(new InMemoryLedger()).DispatchAsync(_warning, CancellationToken.None);

    /// <summary>A redelivered warning of an interruption already in the ledger: must start nothing.</summary>
    [Benchmark]
    public Task<DispatchResult> Duplicate() => _warmDispatcher.DispatchAsync(_redelivery, CancellationToken.None);

    /// <summary>The ledger alone through a whole interruption: begin, start step, record it, complete.</summary>
    [Benchmark]
    public async Task<bool> LedgerLifecycle()
    {
        var ledger = new InMemoryLedger();
        DateTimeOffset now = _clock.GetUtcNow();
        await ledger.TryBeginInterruptionAsync(
            new InterruptionRecord
            {
                InstanceId = DoomedId,
                EventIds = ["ev-1"],
                GroupName = Group,
                WarningTime = BenchSamples.WarningTime,
                ReclaimAt = BenchSamples.WarningTime.AddSeconds(120),
                Steps = [new StepRecord { Name = StepNames.Replace }],
            },
            _options.Limits,
            now,
            CancellationToken.None);
        await ledger.TryStartStepAsync(DoomedId, StepNames.Replace, now, RemediationRunner.StepLease, CancellationToken.None);
        await ledger.RecordStepAsync(DoomedId, StepNames.Replace, StepOutcome.Done("ran"), now, CancellationToken.None);
        return await ledger.TryCompleteInterruptionAsync(DoomedId, now, CancellationToken.None);
    }

    private Dispatcher NewDispatcher(ILedger ledger) =>
        new(_inventory, _configs, ledger, _invoker, NullVolumeTriggers.Instance, _options, _clock, NullMetrics.Instance, NullLogger<Dispatcher>.Instance);
}
