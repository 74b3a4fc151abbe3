using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using MaxGroup.Aws;
using MaxGroup.Core.Model;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// `--scenario capacity`: Spot is short. The demo's proxy dries every Spot pool of the group's type and its alternative
/// (<see cref="MaxGroup.Simulators.Aws.Ec2CapacityPools"/>: EC2's InsufficientInstanceCapacity, which moto never answers),
/// the config allows the alternative type and the On-Demand fallback, and the checks read from EC2 itself where the
/// successor came from and from the ledger which candidates were refused.
/// </summary>
public static class DemoCapacity
{
    /// <summary>The launch template's type and the config's alt1, both dry on Spot in every zone.</summary>
    public static readonly string[] DryPools = ["c5.large/spot", "m5.large/spot"];

    /// <summary>For the terminal.</summary>
    public static string Description => $"no Spot capacity for {string.Join(" or ", DryPools.Select(p => p.Split('/')[0]))} in any zone (the demo's proxy answers EC2's InsufficientInstanceCapacity); the config allows alt1 m5.large and the On-Demand fallback";

    /// <summary>The config keys of the scenario, over the launch strategy's base.</summary>
    public static IReadOnlyDictionary<string, JsonNode> ConfigFields() => new Dictionary<string, JsonNode>(StringComparer.Ordinal)
    {
        ["alt1"] = "m5.large",
        ["is_enable_od_fallback"] = true,
    };

    /// <summary>The successor is a fallback (On-Demand or the alternative type, per EC2's DescribeInstances) and the ledger names each refused candidate.</summary>
    public static async Task<IReadOnlyList<DemoCheck>> ChecksAsync(
        AwsClientFactory aws, DemoEmulator emulator, InterruptionRecord? record, string? successorId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(emulator);
        var checks = new List<DemoCheck>();
        if (successorId is null)
        {
            checks.Add(new("capacity: successor from the fallback", false, "no successor"));
        }
        else
        {
            Instance successor = (await aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [successorId] }, cancellationToken))
                .Reservations.Single().Instances.Single();
            string market = successor.InstanceLifecycle?.Value ?? "on-demand";
            string type = successor.InstanceType?.Value ?? "?";
            bool fallback = !DryPools.Contains($"{type}/{market}", StringComparer.Ordinal);
            checks.Add(new("capacity: successor from the fallback", fallback, $"{successorId} {type} {market} (EC2 DescribeInstances)"));
        }

        // Each pool the proxy refused, as the ledger's attempts name it: "m5.large/spot: InsufficientInstanceCapacity".
        string attempts = record?.FindStep(StepNames.Replace)?.Details.GetValueOrDefault("attempts") ?? "";
        List<string> refused = emulator.Capacity.Refused.Select(r => r.Split(' ')[1].Split('@')[0]).Distinct(StringComparer.Ordinal).ToList();
        List<string> unnamed = refused.Where(r => !attempts.Contains($"{r}: InsufficientInstanceCapacity", StringComparison.Ordinal)).ToList();
        checks.Add(new("capacity: ledger names the refused candidates", refused.Count > 0 && unnamed.Count == 0,
            refused.Count == 0 ? "EC2 refused nothing" : unnamed.Count > 0 ? $"refused by EC2 but not in the ledger: {string.Join(", ", unnamed)}" : $"replace attempts: {attempts}"));
        return checks;
    }
}
