using System.Net;
using System.Security;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// DetachInstances as AWS documents it, where moto 5.2.1 differs: without decrement, AWS detaches the instances and
/// answers the detach activities at once; the replacement the group then launches is a separate scaling activity, and
/// when that launch fails (no capacity, a broken launch template) it fails on its own (the activity's status and an
/// `EC2 Instance Launch Unsuccessful` event), never the DetachInstances call. moto detaches, then launches the
/// replacement inside the same request and answers the launch's error. When moto's answer is an error but the instances
/// are no longer members of the group, the proxy answers what AWS would: the detach activities, HTTP 200.
/// TerminateInstanceInAutoScalingGroup for an instance no longer managed by any group (a repeat after the first took
/// it): AWS refuses it as a client error, HTTP 400 ValidationError "Instance Id not found - No managed instance found
/// for instance ID: i-..."; moto 5.2.1 fails inside the request and answers HTTP 500, which a client would take for
/// retryable. The proxy answers AWS's refusal instead.
/// </summary>
public sealed partial class AwsFaultProxy
{
    private const string AutoScalingXmlns = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

    /// <summary>How many DetachInstances answers were turned from moto's replacement-launch error into AWS's success.</summary>
    public int DetachesAnsweredAsAws => _detachesAnsweredAsAws;

    private int _detachesAnsweredAsAws;

    /// <summary>How many TerminateInstanceInAutoScalingGroup answers were turned from moto's 500 into AWS's ValidationError.</summary>
    public int TerminationsRefusedAsAws => _terminationsRefusedAsAws;

    private int _terminationsRefusedAsAws;

    /// <summary>AWS's refusal of a TerminateInstanceInAutoScalingGroup for an instance no group manages, or null when moto's answer stands.</summary>
    private async Task<byte[]?> TerminateRefusalAsAwsAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        string? instance = LifecycleActionEmulator.FormValues(body).GetValueOrDefault("InstanceId");
        if (instance is null)
        {
            return null;
        }

        byte[] describe = Encoding.UTF8.GetBytes($"Action=DescribeAutoScalingInstances&Version=2011-01-01&InstanceIds.member.1={WebUtility.UrlEncode(instance)}");
        using HttpResponseMessage managed = await ForwardAsync(context, describe, cancellationToken);
        string xml = await managed.Content.ReadAsStringAsync(cancellationToken);
        if (!managed.IsSuccessStatusCode || xml.Contains("<InstanceId>" + instance + "</InstanceId>", StringComparison.Ordinal))
        {
            return null;
        }

        Interlocked.Increment(ref _terminationsRefusedAsAws);
        return Encoding.UTF8.GetBytes(
            $"<ErrorResponse xmlns=\"{AutoScalingXmlns}\"><Error><Type>Sender</Type><Code>ValidationError</Code>"
            + $"<Message>Instance Id not found - No managed instance found for instance ID: {SecurityElement.Escape(instance)}</Message></Error>"
            + "<RequestId>fault-proxy</RequestId></ErrorResponse>");
    }

    /// <summary>AWS's answer to a DetachInstances moto failed after detaching, or null when moto's answer stands.</summary>
    private async Task<byte[]?> DetachAsAwsAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        Dictionary<string, string> form = LifecycleActionEmulator.FormValues(body);
        string? group = form.GetValueOrDefault("AutoScalingGroupName");
        List<string> instances = form.Where(kv => kv.Key.StartsWith("InstanceIds.member.", StringComparison.Ordinal)).Select(kv => kv.Value).ToList();
        if (group is null || instances.Count == 0 || form.GetValueOrDefault("ShouldDecrementDesiredCapacity") is not ("false" or "False"))
        {
            return null;
        }

        // The same credentials and headers, another action: is any of the instances still a member?
        byte[] describe = Encoding.UTF8.GetBytes($"Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1={WebUtility.UrlEncode(group)}");
        using HttpResponseMessage members = await ForwardAsync(context, describe, cancellationToken);
        string xml = await members.Content.ReadAsStringAsync(cancellationToken);
        if (!members.IsSuccessStatusCode || !xml.Contains("<AutoScalingGroupName>" + SecurityElement.Escape(group) + "</AutoScalingGroupName>", StringComparison.Ordinal)
            || instances.Any(id => xml.Contains("<InstanceId>" + id + "</InstanceId>", StringComparison.Ordinal)))
        {
            return null;
        }

        Interlocked.Increment(ref _detachesAnsweredAsAws);
        string now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        var activities = new StringBuilder();
        foreach (string id in instances)
        {
            activities.Append("<member><ActivityId>").Append(Guid.NewGuid()).Append("</ActivityId>")
                .Append("<AutoScalingGroupName>").Append(SecurityElement.Escape(group)).Append("</AutoScalingGroupName>")
                .Append("<Description>Detaching EC2 instance: ").Append(id).Append("</Description>")
                .Append("<Cause>At ").Append(now).Append(" instance ").Append(id).Append(" was detached in response to a user request.</Cause>")
                .Append("<StartTime>").Append(now).Append("</StartTime><StatusCode>InProgress</StatusCode><Progress>50</Progress></member>");
        }

        return Encoding.UTF8.GetBytes(
            $"<DetachInstancesResponse xmlns=\"{AutoScalingXmlns}\"><DetachInstancesResult><Activities>{activities}</Activities></DetachInstancesResult>"
            + "<ResponseMetadata><RequestId>fault-proxy</RequestId></ResponseMetadata></DetachInstancesResponse>");
    }
}
