using System.Globalization;
using System.Xml.Linq;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.LoadBalancing;

/// <summary>
/// <see cref="ILoadBalancerApi"/> over the Elastic Load Balancing Query APIs through the signed client: ELBv2 target groups
/// (version 2015-12-01) and Classic Load Balancers (version 2012-06-01). The feed has no ELB SDK package.
/// </summary>
/// <param name="targetGroups">A signed client for <see cref="AwsService.ElasticLoadBalancingV2"/>.</param>
/// <param name="classic">A signed client for <see cref="AwsService.ElasticLoadBalancing"/>.</param>
public sealed class ElasticLoadBalancingClient(AwsSignedHttpClient targetGroups, AwsSignedHttpClient classic) : ILoadBalancerApi
{
    public const string ApiVersionV2 = "2015-12-01";
    public const string ApiVersionClassic = "2012-06-01";

    /// <summary>The attribute that holds a target group's deregistration delay.</summary>
    public const string DeregistrationDelayAttribute = "deregistration_delay.timeout_seconds";

    private readonly AwsSignedHttpClient _targetGroups = targetGroups ?? throw new ArgumentNullException(nameof(targetGroups));
    private readonly AwsSignedHttpClient _classic = classic ?? throw new ArgumentNullException(nameof(classic));

    public async Task<IReadOnlyList<TargetGroupInfo>> DescribeTargetGroupsAsync(IReadOnlyList<string> targetGroupArns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targetGroupArns);
        var groups = new List<TargetGroupInfo>();
        string? marker = null;
        do
        {
            QueryRequest query = new QueryRequest("DescribeTargetGroups", ApiVersionV2)
                .AddList("TargetGroupArns", targetGroupArns)
                .AddIfNotNull("Marker", marker);
            XElement result = await CallAsync(_targetGroups, query, cancellationToken).ConfigureAwait(false);
            groups.AddRange(result.Child("TargetGroups").Members().Select(g => new TargetGroupInfo(
                g.Text("TargetGroupArn") ?? "", g.Text("TargetType") ?? "instance", g.Text("TargetGroupName"))));
            marker = result.Text("NextMarker");
        }
        while (marker is not null);

        return groups;
    }

    public async Task<int?> DescribeDeregistrationDelayAsync(string targetGroupArn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetGroupArn);
        QueryRequest query = new QueryRequest("DescribeTargetGroupAttributes", ApiVersionV2).Add("TargetGroupArn", targetGroupArn);
        XElement result = await CallAsync(_targetGroups, query, cancellationToken).ConfigureAwait(false);
        string? value = result.Child("Attributes").Members().FirstOrDefault(a => a.Text("Key") == DeregistrationDelayAttribute)?.Text("Value");
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seconds) ? seconds : null;
    }

    public async Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroupArn, IReadOnlyList<TargetHealth> targets, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetGroupArn);
        ArgumentNullException.ThrowIfNull(targets);
        QueryRequest query = AddTargets(new QueryRequest("DescribeTargetHealth", ApiVersionV2).Add("TargetGroupArn", targetGroupArn), targets);
        XElement result = await CallAsync(_targetGroups, query, cancellationToken).ConfigureAwait(false);
        return result.Child("TargetHealthDescriptions").Members()
            .Select(ParseTargetHealth)
            .OfType<TargetHealth>()
            .ToList();
    }

    public async Task DeregisterTargetsAsync(string targetGroupArn, IReadOnlyList<TargetHealth> targets, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetGroupArn);
        ArgumentNullException.ThrowIfNull(targets);
        QueryRequest query = AddTargets(new QueryRequest("DeregisterTargets", ApiVersionV2).Add("TargetGroupArn", targetGroupArn), targets);
        await CallAsync(_targetGroups, query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ClassicInstanceHealth?> DescribeClassicInstanceHealthAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(loadBalancerName);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        QueryRequest query = new QueryRequest("DescribeInstanceHealth", ApiVersionClassic)
            .Add("LoadBalancerName", loadBalancerName)
            .Add("Instances.member.1.InstanceId", instanceId);
        try
        {
            XElement result = await CallAsync(_classic, query, cancellationToken).ConfigureAwait(false);
            XElement? state = result.Child("InstanceStates").Members().FirstOrDefault(s => s.Text("InstanceId") == instanceId);
            return state is null ? null : new ClassicInstanceHealth(state.Text("State") ?? "", state.Text("Description"));
        }
        catch (RemoteApiException ex) when (ex.ErrorCode is "InvalidInstance" or "InvalidEndPoint")
        {
            return null;
        }
    }

    public async Task DeregisterFromClassicAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(loadBalancerName);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        QueryRequest query = new QueryRequest("DeregisterInstancesFromLoadBalancer", ApiVersionClassic)
            .Add("LoadBalancerName", loadBalancerName)
            .Add("Instances.member.1.InstanceId", instanceId);
        await CallAsync(_classic, query, cancellationToken).ConfigureAwait(false);
    }

    private static TargetHealth? ParseTargetHealth(XElement description)
    {
        XElement? target = description.Child("Target");
        XElement? health = description.Child("TargetHealth");
        return target?.Text("Id") is not { } id
            ? null
            : new TargetHealth(id, target.Int("Port"), health?.Text("State") ?? "", health?.Text("Reason"));
    }

    /// <summary>Sends any ELBv2 Query action (version 2015-12-01) and returns its `{Action}Result` element: for operations the port does not cover, e.g. test setup or tools.</summary>
    public Task<XElement> CallTargetGroupsAsync(QueryRequest query, CancellationToken cancellationToken) => CallAsync(_targetGroups, query, cancellationToken);

    /// <summary>Sends any Classic Load Balancer Query action (version 2012-06-01); see <see cref="CallTargetGroupsAsync"/>.</summary>
    public Task<XElement> CallClassicAsync(QueryRequest query, CancellationToken cancellationToken) => CallAsync(_classic, query, cancellationToken);

    /// <summary>Targets.member.N.Id and, when known, Targets.member.N.Port (a target registered on another port than the group's).</summary>
    private static QueryRequest AddTargets(QueryRequest query, IReadOnlyList<TargetHealth> targets)
    {
        for (int i = 0; i < targets.Count; i++)
        {
            string prefix = $"Targets.member.{(i + 1).ToString(CultureInfo.InvariantCulture)}";
            query.Add(prefix + ".Id", targets[i].Id);
            if (targets[i].Port is int port)
            {
                query.Add(prefix + ".Port", port);
            }
        }

        return query;
    }

    private static async Task<XElement> CallAsync(AwsSignedHttpClient client, QueryRequest query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        AwsResponse response = await client.SendAsync(query.ToRequest(), cancellationToken).ConfigureAwait(false);
        XElement root = QueryXml.Parse(client.Service.SigningName, query.Action, response);
        return root.Child(query.Action + "Result") ?? root;
    }
}
