namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// The fault proxies' dice: scripted faults first (the next N matching calls), else one seeded draw against a
/// <see cref="FaultPlan"/>'s probabilities. The same seed replays the same faults.
/// </summary>
internal sealed class FaultDice
{
    private readonly Random _random;
    private readonly object _randomLock = new();
    private readonly Func<string, string, bool> _matches;
    private readonly List<(string Key, string Fault, int Times)> _scripted = [];

    /// <param name="seed">Seed of the draws.</param>
    /// <param name="matches">Whether a call (first argument) is one a script entry (second argument) names.</param>
    public FaultDice(int seed, Func<string, string, bool> matches)
    {
        _random = new Random(seed);
        _matches = matches;
    }

    public void Script(string key, string fault, int times)
    {
        lock (_scripted)
        {
            _scripted.Add((key, fault, times));
        }
    }

    /// <summary>The scripted fault for <paramref name="call"/>, used up by one; null when none is scripted.</summary>
    public string? TakeScripted(string call)
    {
        lock (_scripted)
        {
            int index = _scripted.FindIndex(s => _matches(call, s.Key));
            if (index < 0)
            {
                return null;
            }

            (string key, string fault, int times) = _scripted[index];
            if (times <= 1)
            {
                _scripted.RemoveAt(index);
            }
            else
            {
                _scripted[index] = (key, fault, times - 1);
            }

            return fault;
        }
    }

    /// <summary>throttle, 5xx, drop-before, drop-after, latency or none, with the plan's probabilities.</summary>
    public string Draw(FaultPlan plan)
    {
        double roll = NextDouble();
        double edge = 0;
        foreach ((double p, string name) in new[] { (plan.Throttle, "throttle"), (plan.ServerError, "5xx"), (plan.DropBefore, "drop-before"), (plan.DropAfter, "drop-after"), (plan.Latency, "latency") })
        {
            edge += p;
            if (roll < edge)
            {
                return name;
            }
        }

        return "none";
    }

    public double NextDouble()
    {
        lock (_randomLock)
        {
            return _random.NextDouble();
        }
    }
}
