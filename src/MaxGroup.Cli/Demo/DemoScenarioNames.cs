using System.CommandLine.Parsing;

namespace MaxGroup.Cli.Demo;

/// <summary>The --scenario names as typed (scale-in, not ScaleIn) and what each scenario's success means.</summary>
public static class DemoScenarioNames
{
    private static readonly (string Name, DemoScenario Scenario)[] Names =
    [
        ("basic", DemoScenario.Basic), ("duplicate", DemoScenario.Duplicate), ("stop", DemoScenario.Stop), ("crossaz", DemoScenario.CrossAz), ("capacity", DemoScenario.Capacity),
        ("scale-in", DemoScenario.ScaleIn), ("retirement", DemoScenario.Retirement),
    ];

    /// <summary>The option's parser: a name above, case-insensitive; anything else is a usage error listing them.</summary>
    public static DemoScenario Parse(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "basic";
        foreach ((string name, DemoScenario scenario) in Names)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return scenario;
            }
        }

        result.AddError($"--scenario {text}: expected one of {string.Join(", ", Names.Select(n => n.Name))}");
        return DemoScenario.Basic;
    }

    /// <summary>The closing line of a passed run: what the checks established.</summary>
    public static string Outcome(DemoScenario scenario) => scenario switch
    {
        DemoScenario.ScaleIn => "instance scaled in through its lifecycle hook (completed once, CONTINUE), desired capacity one lower, no successor, data volume kept, node drained and services deregistered (on the simulators).",
        DemoScenario.Retirement => "successor InService and data volume on it at /dev/xvdz before the retirement's start time, retired instance terminated, capacity unchanged, node drained and services deregistered (on the simulators).",
        _ => "successor running, capacity unchanged, data volume on the successor at /dev/xvdz, node drained and services deregistered (on the simulators).",
    };
}
