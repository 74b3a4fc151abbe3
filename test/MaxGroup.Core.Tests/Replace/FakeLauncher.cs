namespace MaxGroup.Core.Tests.Replace;

/// <summary>RunInstances in memory: fails the (type, market) pairs it is told to with EC2's code, registers launched instances as running.</summary>
internal sealed class FakeLauncher(FakeInventory inventory) : ISuccessorLauncher
{
    private int _next;

    public Dictionary<string, string> FailWith { get; } = [];

    public List<SuccessorLaunchSpec> Attempts { get; } = [];

    public List<SuccessorLaunchSpec> Launched { get; } = [];

    /// <summary>When each successor was launched, on <see cref="Clock"/>.</summary>
    public List<DateTimeOffset> LaunchedAt { get; } = [];

    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public Task<string> LaunchAsync(SuccessorLaunchSpec spec, CancellationToken cancellationToken)
    {
        Attempts.Add(spec);
        if (FailWith.TryGetValue(spec.Candidate.ToString(), out string? code))
        {
            throw new RemoteApiException("ec2", code, "no capacity", 500);
        }

        string id = $"i-e{Interlocked.Increment(ref _next):x16}";
        Launched.Add(spec);
        LaunchedAt.Add(Clock.GetUtcNow());
        inventory.Add(Samples.Instance(id, group: null, type: spec.Candidate.InstanceType) with { Tags = spec.Tags });
        // A backfill successor replaces nothing (it carries spotmax:backfill instead).
        if (spec.Tags.TryGetValue(SuccessorTags.Replaces, out string? replaces))
        {
            _byReplaces[replaces] = id;
        }
        return Task.FromResult(id);
    }

    /// <summary>How many times FindSuccessorAsync was called.</summary>
    public int Searches => _searches;

    public Task<string?> FindSuccessorAsync(string interruptedInstanceId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _searches);
        return Task.FromResult(_byReplaces.GetValueOrDefault(interruptedInstanceId));
    }

    /// <summary>A successor launched earlier (a rebalance pre-warm): running, tagged spotmax:replaces=<paramref name="interrupted"/>.</summary>
    public void PreLaunch(string interrupted, string id)
    {
        inventory.Add(Samples.Instance(id, group: null) with { Tags = new Dictionary<string, string> { [SuccessorTags.Replaces] = interrupted } });
        _byReplaces[interrupted] = id;
    }

    private int _searches;

    private readonly Dictionary<string, string> _byReplaces = [];
}
