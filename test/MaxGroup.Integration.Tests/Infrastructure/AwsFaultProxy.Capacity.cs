using System.Collections.Concurrent;
using System.Net;
using System.Security;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// EC2 capacity as AWS documents it, which moto 5.2.1 does not have (it launches whatever is asked): a pool named dry
/// answers RunInstances with InsufficientInstanceCapacity (HTTP 500, as EC2 does), and an instant CreateFleet skips its
/// dry overrides, launches from the first one left and lists each dry one in the answer's errorSet; with none left it
/// launches nothing and answers the errors (HTTP 200, as EC2 does for an instant fleet).
/// </summary>
public sealed partial class AwsFaultProxy
{
    private readonly ConcurrentDictionary<string, bool> _dryPools = new(StringComparer.Ordinal);

    /// <summary>
    /// No capacity for these pools from now on: "m5.large" (every market and zone), "m5.large/spot" (Spot only),
    /// "m5.large/spot@us-east-1a" or "m5.large@us-east-1a" (one zone; CreateFleet overrides by subnet need the zone in
    /// <see cref="SubnetZones"/>).
    /// </summary>
    public void Dry(params string[] pools)
    {
        foreach (string pool in pools)
        {
            _dryPools[pool] = true;
        }
    }

    /// <summary>Every pool has capacity again.</summary>
    public void Refill() => _dryPools.Clear();

    /// <summary>Subnet to zone, for zone-scoped dry pools named on CreateFleet overrides by subnet.</summary>
    public ConcurrentDictionary<string, string> SubnetZones { get; } = new(StringComparer.Ordinal);

    private bool IsDry(string? type, string market, string? zone)
    {
        if (type is null)
        {
            return false;
        }

        return _dryPools.ContainsKey(type) || _dryPools.ContainsKey($"{type}/{market}")
            || (zone is not null && (_dryPools.ContainsKey($"{type}@{zone}") || _dryPools.ContainsKey($"{type}/{market}@{zone}")));
    }

    private bool IsDryRunInstances(byte[] body)
    {
        string market = FormValue(body, "InstanceMarketOptions.MarketType") == "spot" ? "spot" : "on-demand";
        string? subnet = FormValue(body, "SubnetId");
        string? zone = FormValue(body, "Placement.AvailabilityZone") ?? (subnet is null ? null : SubnetZones.GetValueOrDefault(subnet));
        return IsDry(FormValue(body, "InstanceType"), market, zone);
    }

    private static Task WriteInsufficientCapacityAsync(HttpContext context)
    {
        context.Response.StatusCode = 500;
        context.Response.ContentType = "text/xml";
        return context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>InsufficientInstanceCapacity</Code><Message>We currently do not have sufficient capacity in the Availability Zone you requested.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>");
    }

    /// <summary>The request without its dry overrides (renumbered), the errorSet items for them, and whether any is left.</summary>
    private (byte[] Body, string Errors, bool AnyLeft) WithoutDryOverrides(byte[] body)
    {
        const string Prefix = "LaunchTemplateConfigs.1.Overrides.";
        string market = FormValue(body, "TargetCapacitySpecification.DefaultTargetCapacityType") == "spot" ? "spot" : "on-demand";
        var pairs = Encoding.UTF8.GetString(body).Split('&').Where(p => p.Length > 0)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: WebUtility.UrlDecode(p[0]), Value: p.Length > 1 ? WebUtility.UrlDecode(p[1]) : ""))
            .ToList();
        var overrides = pairs.Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .GroupBy(p => int.Parse(p.Key[Prefix.Length..p.Key.IndexOf('.', Prefix.Length)], CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key)
            .Select(g => g.ToDictionary(p => p.Key[(p.Key.IndexOf('.', Prefix.Length) + 1)..], p => p.Value, StringComparer.Ordinal))
            .ToList();
        var errors = new StringBuilder();
        var kept = new List<Dictionary<string, string>>();
        foreach (Dictionary<string, string> o in overrides)
        {
            string? subnet = o.GetValueOrDefault("SubnetId");
            string? zone = o.GetValueOrDefault("AvailabilityZone") ?? (subnet is null ? null : SubnetZones.GetValueOrDefault(subnet));
            if (IsDry(o.GetValueOrDefault("InstanceType"), market, zone))
            {
                errors.Append("<item><launchTemplateAndOverrides><overrides><instanceType>").Append(SecurityElement.Escape(o.GetValueOrDefault("InstanceType")))
                    .Append("</instanceType>").Append(subnet is null ? "" : $"<subnetId>{SecurityElement.Escape(subnet)}</subnetId>")
                    .Append("</overrides></launchTemplateAndOverrides><lifecycle>").Append(market)
                    .Append("</lifecycle><errorCode>InsufficientInstanceCapacity</errorCode><errorMessage>We currently do not have sufficient capacity in the Availability Zone you requested.</errorMessage></item>");
            }
            else
            {
                kept.Add(o);
            }
        }

        var rebuilt = pairs.Where(p => !p.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        for (int i = 0; i < kept.Count; i++)
        {
            rebuilt.AddRange(kept[i].Select(kv => ($"{Prefix}{i + 1}.{kv.Key}", kv.Value)));
        }

        string form = string.Join('&', rebuilt.Select(p => $"{WebUtility.UrlEncode(p.Key)}={WebUtility.UrlEncode(p.Value)}"));
        return (Encoding.UTF8.GetBytes(form), errors.ToString(), kept.Count > 0);
    }

    private static byte[] WithFleetErrors(byte[] responseBody, string errors)
    {
        if (errors.Length == 0)
        {
            return responseBody;
        }

        string xml = Encoding.UTF8.GetString(responseBody);
        int end = xml.LastIndexOf("</CreateFleetResponse>", StringComparison.Ordinal);
        return end < 0 ? responseBody : Encoding.UTF8.GetBytes(xml[..end] + "<errorSet>" + errors + "</errorSet>" + xml[end..]);
    }

    private async Task WriteEmptyFleetAsync(HttpContext context, string errors, string? clientToken)
    {
        byte[] answer = Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateFleetResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>fault-proxy</requestId>"
            + $"<fleetId>fleet-{Guid.NewGuid():N}</fleetId><errorSet>{errors}</errorSet><fleetInstanceSet/></CreateFleetResponse>");
        if (clientToken is not null)
        {
            _runInstancesByToken.TryAdd(clientToken, (200, "text/xml", answer));
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/xml";
        await context.Response.Body.WriteAsync(answer);
    }
}
