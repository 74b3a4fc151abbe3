using System.Diagnostics;
using Amazon.EC2.Model;
using MaxGroup.Aws.Ec2;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// Issue 19's measure: the successor launch when the first k Spot candidates have no capacity (k = 0, 2, 5), the serial
/// path (one RunInstances per candidate, the launch before CreateFleet, still the fallback when CreateFleet is refused)
/// against one capacity-aware CreateFleet, side by side in one run on moto behind the fault proxy (dry pools answer
/// RunInstances with InsufficientInstanceCapacity and are skipped by an instant fleet, as EC2 does). Seven alternating
/// runs per path and k; EC2 launch requests counted at the proxy; time until the launch returned the instance (moto
/// reports it running at once, so this is the time to a running successor on the emulator).
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class LaunchBenchTests(MotoFixture moto, ITestOutputHelper output)
{
    private const int Runs = 7;
    private static readonly string[] Candidates =
        ["m5.large/spot", "c5.large/spot", "m5a.large/spot", "m6i.large/spot", "c6i.large/spot", "r5.large/spot", "m5.large/on-demand"];

    [BenchFact]
    public async Task Launch_FirstKSpotCandidatesDry_SerialRunInstancesAgainstOneCreateFleet()
    {
        await moto.ResetAsync();
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        using var aws = AwsTestClients.EndpointFactory(proxy.Endpoint, AwsTestClients.FastRetry());
        string template = await new MotoScene(aws).LaunchTemplateAsync("bench-lt");
        DescribeSubnetsResponse described = await aws.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        List<(string Subnet, string Zone)> subnets = described.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Select(s => (s.SubnetId, s.AvailabilityZone)).ToList();
        foreach ((string subnet, string zone) in subnets)
        {
            proxy.SubnetZones[subnet] = zone;
        }

        var fleet = new SuccessorLaunch(new Ec2SuccessorLauncher(aws.Ec2), NullLogger.Instance);
        var serial = new SuccessorLaunch(new SerialOnly(new Ec2SuccessorLauncher(aws.Ec2)), NullLogger.Instance);
        var table = new StringBuilder();
        table.AppendLine("| k dry Spot candidates | path | EC2 launch requests | median ms (min–max) | launched | fleet / serial (median) |");
        table.AppendLine("|---:|---|---:|---|---|---:|");
        foreach (int k in (int[])[0, 2, 5])
        {
            proxy.Dry([.. Candidates.Take(k)]);
            var samples = new Dictionary<string, List<(double Ms, int Requests, string Used)>> { ["serial RunInstances"] = [], ["CreateFleet"] = [] };
            for (int run = 0; run < Runs; run++)
            {
                foreach ((string name, SuccessorLaunch launch) in run % 2 == 0 ? [("serial RunInstances", serial), ("CreateFleet", fleet)] : new[] { ("CreateFleet", fleet), ("serial RunInstances", serial) })
                {
                    proxy.ClearCalls();
                    SuccessorLaunchRequest request = Request(template, subnets);
                    long started = Stopwatch.GetTimestamp();
                    SuccessorLaunchResult result = await launch.LaunchAsync(request, CapacityCalls.Once, CancellationToken.None);
                    double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    Assert.NotNull(result.InstanceId);
                    int requests = proxy.Calls.Count(c => c.Action is "RunInstances" or "CreateFleet");
                    samples[name].Add((ms, requests, result.Used!.ToString()));
                }
            }

            double serialMedian = Median(samples["serial RunInstances"].Select(s => s.Ms));
            foreach ((string name, List<(double Ms, int Requests, string Used)> list) in samples)
            {
                double median = Median(list.Select(s => s.Ms));
                string ratio = name == "CreateFleet" ? (median / serialMedian).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "";
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {k} | {name} | {string.Join("/", list.Select(s => s.Requests).Distinct())} | {median:0} ({list.Min(s => s.Ms):0}–{list.Max(s => s.Ms):0}) | {string.Join(", ", list.Select(s => s.Used).Distinct())} | {ratio} |");
            }

            // The shape the numbers rest on: k + 1 requests serially, one fleet whatever k is (the Spot block has a pool).
            Assert.All(samples["serial RunInstances"], s => Assert.Equal(k + 1, s.Requests));
            Assert.All(samples["CreateFleet"], s => Assert.Equal(1, s.Requests));
        }

        string report = $"## Successor launch: serial RunInstances vs one CreateFleet ({Runs} alternating runs per path and k, moto via the fault proxy)\n\n{table}";
        output.WriteLine(report);
        BenchArtifacts.Write("launch-capacity.md", report);
    }

    private static SuccessorLaunchRequest Request(string template, List<(string Subnet, string Zone)> subnets)
    {
        // A fresh token per run: the proxy replays a repeated ClientToken's first answer, as EC2 does.
        string run = Guid.NewGuid().ToString("N")[..12];
        return new SuccessorLaunchRequest
        {
            LaunchTemplate = new LaunchTemplateRef(template, null, "$Default"),
            Candidates = Candidates.Select(c => new LaunchCandidate(c.Split('/')[0], c.EndsWith("/spot", StringComparison.Ordinal) ? PurchaseMarket.Spot : PurchaseMarket.OnDemand)).ToList(),
            SubnetId = subnets[0].Subnet,
            AvailabilityZone = subnets[0].Zone,
            Subnets = subnets.Select(s => s.Subnet).ToList(),
            Tags = new Dictionary<string, string> { [SuccessorTags.Group] = "bench", [SuccessorTags.Replaces] = "i-bench" + run },
            ClientToken = index => $"bench-{run}-{index}",
        };
    }

    private static double Median(IEnumerable<double> values)
    {
        List<double> sorted = [.. values.Order()];
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The same launcher without its CreateFleet side: <see cref="SuccessorLaunch"/> takes the serial path.</summary>
    private sealed class SerialOnly(ISuccessorLauncher inner) : ISuccessorLauncher
    {
        public Task<string> LaunchAsync(SuccessorLaunchSpec spec, CancellationToken cancellationToken) => inner.LaunchAsync(spec, cancellationToken);

        public Task<string?> FindSuccessorAsync(string interruptedInstanceId, CancellationToken cancellationToken) =>
            inner.FindSuccessorAsync(interruptedInstanceId, cancellationToken);
    }
}
