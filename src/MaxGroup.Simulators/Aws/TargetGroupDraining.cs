using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace MaxGroup.Simulators.Aws;

/// <summary>
/// ELBv2 deregistration as AWS documents it, which moto 5.2.1 does not give: after DeregisterTargets a target is
/// <c>draining</c> (reason Target.DeregistrationInProgress) for the target group's deregistration delay
/// (deregistration_delay.timeout_seconds, 300 s unless set), then it is no longer listed, and asked for by id it is
/// <c>unused</c> (Target.NotRegistered). moto drops the target at once; and its Auto Scaling registers every member of
/// the group again on each AttachInstances or capacity change, so a member that was deregistered on purpose reappears as
/// healthy, where AWS registers only the instances being attached. This rewrites DescribeTargetHealth answers for every
/// target deregistered through the proxy (until a RegisterTargets names it again) and records when each deregistration
/// was answered, so that the demo can order it against the Kubernetes simulator's evictions.
/// </summary>
public sealed class TargetGroupDraining(TimeProvider clock) : IEmulatorSemantics
{
    /// <summary>deregistration_delay.timeout_seconds when a target group never set it (AWS's default).</summary>
    public const int DefaultDelaySeconds = 300;

    private const string DelayAttribute = "deregistration_delay.timeout_seconds";
    private const string Elbv2Version = "2015-12-01";

    private readonly object _gate = new();
    private readonly Dictionary<string, int> _delays = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Arn, string Id), TargetDeregistration> _draining = [];
    private readonly List<TargetDeregistration> _log = [];

    /// <summary>Every DeregisterTargets the emulator accepted, one entry per target, in order.</summary>
    public IReadOnlyList<TargetDeregistration> Deregistrations
    {
        get
        {
            lock (_gate)
            {
                return _log.ToArray();
            }
        }
    }

    /// <summary>The deregistration delay the proxy applies to <paramref name="targetGroupArn"/>.</summary>
    public TimeSpan DelayOf(string targetGroupArn)
    {
        lock (_gate)
        {
            return TimeSpan.FromSeconds(_delays.GetValueOrDefault(targetGroupArn, DefaultDelaySeconds));
        }
    }

    public EmulatorAnswer? Before(EmulatorExchange exchange) => null;

    public byte[] After(EmulatorExchange exchange, int status, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        if (exchange.Service != "elasticloadbalancing" || exchange.Value("Version") != Elbv2Version || status is < 200 or > 299
            || exchange.Value("TargetGroupArn") is not { } arn)
        {
            return body;
        }

        switch (exchange.Action)
        {
            case "DeregisterTargets":
                DateTimeOffset now = clock.GetUtcNow();
                lock (_gate)
                {
                    foreach ((string id, int? port) in Targets(exchange))
                    {
                        var deregistration = new TargetDeregistration(arn, id, port, now);
                        _draining[(arn, id)] = deregistration;
                        _log.Add(deregistration);
                    }
                }

                return body;
            case "RegisterTargets":
                lock (_gate)
                {
                    foreach ((string id, _) in Targets(exchange))
                    {
                        _draining.Remove((arn, id));
                    }
                }

                return body;
            case "ModifyTargetGroupAttributes":
                for (int i = 1; exchange.Value($"Attributes.member.{i}.Key") is { } key; i++)
                {
                    if (key == DelayAttribute && int.TryParse(exchange.Value($"Attributes.member.{i}.Value"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seconds))
                    {
                        lock (_gate)
                        {
                            _delays[arn] = seconds;
                        }
                    }
                }

                return body;
            case "DescribeTargetHealth":
                return Rewrite(arn, Targets(exchange).Select(t => t.Id).ToList(), body);
            default:
                return body;
        }
    }

    private static IEnumerable<(string Id, int? Port)> Targets(EmulatorExchange exchange)
    {
        for (int i = 1; exchange.Value($"Targets.member.{i}.Id") is { } id; i++)
        {
            yield return (id, int.TryParse(exchange.Value($"Targets.member.{i}.Port"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) ? port : null);
        }
    }

    /// <summary>The answer with each deregistered target draining, then gone (unlisted, or unused when asked for by id).</summary>
    private byte[] Rewrite(string arn, IReadOnlyList<string> askedFor, byte[] body)
    {
        List<TargetDeregistration> mine;
        TimeSpan delay;
        lock (_gate)
        {
            mine = _draining.Values.Where(d => d.TargetGroupArn == arn && (askedFor.Count == 0 || askedFor.Contains(d.TargetId))).ToList();
            delay = TimeSpan.FromSeconds(_delays.GetValueOrDefault(arn, DefaultDelaySeconds));
        }

        if (mine.Count == 0)
        {
            return body;
        }

        XDocument document = XDocument.Parse(Encoding.UTF8.GetString(body));
        XNamespace ns = document.Root!.Name.Namespace;
        XElement? list = document.Descendants(ns + "TargetHealthDescriptions").FirstOrDefault();
        if (list is null)
        {
            return body;
        }

        DateTimeOffset now = clock.GetUtcNow();
        foreach (TargetDeregistration deregistration in mine)
        {
            foreach (XElement member in list.Elements(ns + "member").Where(m => m.Element(ns + "Target")?.Element(ns + "Id")?.Value == deregistration.TargetId).ToList())
            {
                member.Remove();
            }

            bool draining = now < deregistration.At + delay;
            if (!draining && askedFor.Count == 0)
            {
                continue;
            }

            (string state, string reason, string description) = draining
                ? ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
                : ("unused", "Target.NotRegistered", "Target is not registered to the target group");
            list.Add(new XElement(
                ns + "member",
                new XElement(ns + "Target", new XElement(ns + "Id", deregistration.TargetId), deregistration.Port is int port ? new XElement(ns + "Port", port) : null),
                new XElement(ns + "TargetHealth", new XElement(ns + "State", state), new XElement(ns + "Reason", reason), new XElement(ns + "Description", description))));
        }

        return Encoding.UTF8.GetBytes(document.Declaration is null ? document.ToString(SaveOptions.DisableFormatting) : document.Declaration + document.ToString(SaveOptions.DisableFormatting));
    }
}
