namespace MaxGroup.Core.Tests.Rebalance;

/// <summary>Rebalance recommendation events as EventBridge delivers them.</summary>
internal static class RebalanceSamples
{
    public static MaxGroupEvent.RebalanceRecommendation Recommendation(string instanceId, string eventId = "rb-1") =>
        (MaxGroupEvent.RebalanceRecommendation)EventParser.Parse($$$"""
            {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2",
             "account":"123456789012","time":"2026-11-24T08:00:00Z","region":"us-east-1",
             "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
             "detail":{"instance-id":"{{{instanceId}}}"}}
            """);
}
