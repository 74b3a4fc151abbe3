using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Text;

namespace MaxGroup.Simulators.Aws;

/// <summary>
/// EC2 capacity as AWS documents it, which moto 5.2.1 does not have (it launches whatever is asked): a pool named dry
/// answers RunInstances with InsufficientInstanceCapacity (HTTP 500, as EC2 does), and an instant CreateFleet skips its
/// dry overrides, launches from the first one left and lists each dry one in the answer's errorSet; with none left it
/// launches nothing and answers the errors (HTTP 200, as EC2 does for an instant fleet). Used by the tests' fault proxy
/// and by `maxgroup demo --scenario capacity`.
/// </summary>
public sealed class Ec2CapacityPools : IEmulatorSemantics
{
    /// <summary>What <see cref="EmulatorExchange.Items"/> holds between Before and After of a CreateFleet: its errorSet items.</summary>
    private const string FleetErrors = "ec2-capacity:fleet-errors";

    private const string OverridesPrefix = "LaunchTemplateConfigs.1.Overrides.";

    private const string NoCapacityMessage = "We currently do not have sufficient capacity in the Availability Zone you requested.";

    private readonly ConcurrentDictionary<string, bool> _dryPools = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _refused = new();

    /// <summary>Subnet to zone, for zone-scoped dry pools named on CreateFleet overrides by subnet.</summary>
    public ConcurrentDictionary<string, string> SubnetZones { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether any pool is dry now.</summary>
    public bool AnyDry => !_dryPools.IsEmpty;

    /// <summary>Each launch this refused, as "RunInstances c5.large/spot" or "CreateFleet c5.large/spot@subnet-1", in order.</summary>
    public IReadOnlyList<string> Refused => _refused.ToArray();

    /// <summary>
    /// No capacity for these pools from now on: "m5.large" (every market and zone), "m5.large/spot" (Spot only),
    /// "m5.large/spot@us-east-1a" or "m5.large@us-east-1a" (one zone; CreateFleet overrides by subnet need the zone in
    /// <see cref="SubnetZones"/>).
    /// </summary>
    public void Dry(params string[] pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        foreach (string pool in pools)
        {
            _dryPools[pool] = true;
        }
    }

    /// <summary>Every pool has capacity again.</summary>
    public void Refill() => _dryPools.Clear();

    /// <summary>RunInstances into a dry pool: InsufficientInstanceCapacity. An instant CreateFleet with nothing but dry overrides: an empty fleet with the errors.</summary>
    public EmulatorAnswer? Before(EmulatorExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        if (exchange.Service != "ec2" || _dryPools.IsEmpty)
        {
            return null;
        }

        if (exchange.Action == "RunInstances")
        {
            string market = exchange.Value("InstanceMarketOptions.MarketType") == "spot" ? "spot" : "on-demand";
            string? subnet = exchange.Value("SubnetId");
            string? zone = exchange.Value("Placement.AvailabilityZone") ?? (subnet is null ? null : SubnetZones.GetValueOrDefault(subnet));
            string? type = exchange.Value("InstanceType");
            if (!IsDry(type, market, zone))
            {
                return null;
            }

            _refused.Enqueue($"RunInstances {type}/{market}{(zone is null ? "" : "@" + zone)}");
            return new EmulatorAnswer(500, "text/xml", Encoding.UTF8.GetBytes(
                $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>InsufficientInstanceCapacity</Code><Message>{NoCapacityMessage}</Message></Error></Errors><RequestID>capacity-pools</RequestID></Response>"));
        }

        if (exchange.Action != "CreateFleet")
        {
            return null;
        }

        (byte[] body, string errors, bool anyLeft) = WithoutDryOverrides(exchange.Body);
        if (!anyLeft)
        {
            return new EmulatorAnswer(200, "text/xml", Encoding.UTF8.GetBytes(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateFleetResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>capacity-pools</requestId>"
                + $"<fleetId>fleet-{Guid.NewGuid():N}</fleetId><errorSet>{errors}</errorSet><fleetInstanceSet/></CreateFleetResponse>"));
        }

        exchange.Body = body;
        exchange.Items[FleetErrors] = errors;
        return null;
    }

    /// <summary>A CreateFleet that launched from the overrides left gets the dry ones in its errorSet.</summary>
    public byte[] After(EmulatorExchange exchange, int status, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(body);
        if (status is < 200 or > 299 || !exchange.Items.TryGetValue(FleetErrors, out object? value) || value is not string { Length: > 0 } errors)
        {
            return body;
        }

        string xml = Encoding.UTF8.GetString(body);
        int end = xml.LastIndexOf("</CreateFleetResponse>", StringComparison.Ordinal);
        return end < 0 ? body : Encoding.UTF8.GetBytes(xml[..end] + "<errorSet>" + errors + "</errorSet>" + xml[end..]);
    }

    private bool IsDry(string? type, string market, string? zone)
    {
        if (type is null)
        {
            return false;
        }

        return _dryPools.ContainsKey(type) || _dryPools.ContainsKey($"{type}/{market}")
            || (zone is not null && (_dryPools.ContainsKey($"{type}@{zone}") || _dryPools.ContainsKey($"{type}/{market}@{zone}")));
    }

    /// <summary>The request without its dry overrides (renumbered), the errorSet items for them, and whether any is left.</summary>
    private (byte[] Body, string Errors, bool AnyLeft) WithoutDryOverrides(byte[] body)
    {
        List<(string Key, string Value)> pairs = EmulatorExchange.Pairs(body);
        string market = pairs.FirstOrDefault(p => p.Key == "TargetCapacitySpecification.DefaultTargetCapacityType").Value == "spot" ? "spot" : "on-demand";
        var overrides = pairs.Where(p => p.Key.StartsWith(OverridesPrefix, StringComparison.Ordinal))
            .GroupBy(p => int.Parse(p.Key[OverridesPrefix.Length..p.Key.IndexOf('.', OverridesPrefix.Length)], CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key)
            .Select(g => g.ToDictionary(p => p.Key[(p.Key.IndexOf('.', OverridesPrefix.Length) + 1)..], p => p.Value, StringComparer.Ordinal))
            .ToList();
        var errors = new StringBuilder();
        var kept = new List<Dictionary<string, string>>();
        foreach (Dictionary<string, string> o in overrides)
        {
            string? subnet = o.GetValueOrDefault("SubnetId");
            string? zone = o.GetValueOrDefault("AvailabilityZone") ?? (subnet is null ? null : SubnetZones.GetValueOrDefault(subnet));
            string? type = o.GetValueOrDefault("InstanceType");
            if (IsDry(type, market, zone))
            {
                _refused.Enqueue($"CreateFleet {type}/{market}@{subnet ?? zone ?? "any"}");
                errors.Append("<item><launchTemplateAndOverrides><overrides><instanceType>").Append(SecurityElement.Escape(type))
                    .Append("</instanceType>").Append(subnet is null ? "" : $"<subnetId>{SecurityElement.Escape(subnet)}</subnetId>")
                    .Append("</overrides></launchTemplateAndOverrides><lifecycle>").Append(market)
                    .Append("</lifecycle><errorCode>InsufficientInstanceCapacity</errorCode><errorMessage>").Append(NoCapacityMessage).Append("</errorMessage></item>");
            }
            else
            {
                kept.Add(o);
            }
        }

        var rebuilt = pairs.Where(p => !p.Key.StartsWith(OverridesPrefix, StringComparison.Ordinal)).ToList();
        for (int i = 0; i < kept.Count; i++)
        {
            rebuilt.AddRange(kept[i].Select(kv => ($"{OverridesPrefix}{(i + 1).ToString(CultureInfo.InvariantCulture)}.{kv.Key}", kv.Value)));
        }

        return (EmulatorExchange.FormBody(rebuilt), errors.ToString(), kept.Count > 0);
    }
}
