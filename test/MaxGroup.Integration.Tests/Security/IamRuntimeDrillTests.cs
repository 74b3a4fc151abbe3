namespace MaxGroup.Integration.Tests.Security;

/// <summary>
/// Least privilege proven at run time (issue 23 item 6): a whole hand-over as deployed, against a moto that enforces
/// IAM, with each function signing with an identity that carries exactly its role's policy from the deployed
/// template (<see cref="IamRuntimeDrill"/>). Every call the hand-over needs must be allowed, and taking one needed
/// grant away must make the hand-over fail loudly. What moto does not evaluate (resources of most services,
/// conditions) stays covered by Deployment/IamPolicyTests; see docs/security.md.
/// </summary>
[Collection(IamMotoCollection.Name)]
public sealed class IamRuntimeDrillTests(IamMotoFixture moto, ITestOutputHelper output)
{
    [Fact]
    public async Task HandOverAsDeployed_EachFunctionUnderItsOwnRolePolicy_EveryCallAllowedAndVolumeOnSuccessor()
    {
        IamDrillOutcome run = await IamRuntimeDrill.RunAsync(moto);
        string report = run.Describe();
        output.WriteLine(report);

        Assert.True(!run.Refused.Any(), report);
        Assert.All(run.Invocations, i => Assert.True(i.Error is null, $"{i}\n{report}"));
        Assert.NotNull(run.Record);
        Assert.Equal(StepStatus.Done, run.Record.FindStep(StepNames.Replace)?.Status);
        Assert.Equal(StepStatus.Done, run.Record.FindStep(StepNames.Volume)?.Status);
        Assert.Equal(StepStatus.Done, run.Record.FindStep(StepNames.Drain)?.Status);
        Assert.Equal(StepStatus.Done, run.Record.FindStep(StepNames.Consul)?.Status);
        // The terminated state change: the dispatcher forwards the Node to the drain function, which taints it under its own role.
        Assert.Equal(StepStatus.Done, run.Record.FindStep(StepNames.NodeAfterTermination)?.Status);
        string? successor = run.Record.SuccessorInstanceId;
        Assert.NotNull(successor);
        Assert.Contains(run.After.Instances, i => i.InstanceId == successor);
        Assert.DoesNotContain(run.After.Instances, i => i.InstanceId == run.DoomedInstanceId);
        Assert.Equal(run.Before.DesiredCapacity, run.After.DesiredCapacity);
        Assert.NotNull(run.Volume);
        Amazon.EC2.Model.VolumeAttachment attachment = Assert.Single(run.Volume.Attachments);
        Assert.Equal(successor, attachment.InstanceId);
        Assert.Equal(IamRuntimeDrill.AttachAs, attachment.Device);

        // Each function really signed its own calls, and each called only what its deployed role grants (IAM's names).
        AssertSigned(run, "DispatcherFunction", "lambda:InvokeFunction", "s3:GetObject", "dynamodb:PutItem");
        AssertSigned(run, "ReplaceFunction", "ec2:CreateFleet", "autoscaling:AttachInstances", "autoscaling:DetachInstances");
        AssertSigned(run, "VolumeFunction", "ec2:ModifyInstanceAttribute", "ec2:AttachVolume");
        AssertSigned(run, "DrainFunction", "dynamodb:GetItem", "dynamodb:PutItem");
        AssertSigned(run, "ConsulFunction", "dynamodb:GetItem", "dynamodb:PutItem");
        foreach ((string _, (string function, string _)) in IamRuntimeDrill.Functions)
        {
            string[] outside = [.. run.CallsOf(function).SelectMany(c => c.IamActions).Distinct().Where(a => !run.Stack.DeployedActionsOf(function).Contains(a))];
            Assert.True(outside.Length == 0, $"{function} called [{string.Join(", ", outside)}], which its deployed role does not grant\n{report}");
        }

        Assert.DoesNotContain(run.Calls, c => c.AccessKeyId == "testing");
        AssertRequestConditionsMet(run);
    }

    /// <summary>
    /// moto evaluates no condition (docs/security.md), so the request-side ones are checked here from the requests
    /// themselves: what AWS would compare against aws:RequestTag, ec2:CreateAction and aws:TagKeys.
    /// </summary>
    private static void AssertRequestConditionsMet(IamDrillOutcome run)
    {
        // Replace: RunInstances tags the instance spotmax:group in the request (LaunchSuccessorInstance); no CreateTags
        // outside a launch (TagOnLaunchOnly: ec2:CreateAction = RunInstances).
        // CreateFleet (the capacity-aware launch) tags the same way, in TagSpecification.N.
        SignedCall[] launches = [.. run.CallsOf("ReplaceFunction").Where(c => c.Action is "RunInstances" or "CreateFleet")];
        Assert.NotEmpty(launches);
        Assert.All(launches, launch =>
        {
            string[] instanceSpecs = [.. launch.Form!.Where(p => p.Value == "instance" && p.Key.EndsWith(".ResourceType", StringComparison.Ordinal)).Select(p => p.Key[..^".ResourceType".Length])];
            Assert.Contains(instanceSpecs, spec => launch.FormValues($@"^{System.Text.RegularExpressions.Regex.Escape(spec)}\.Tag\.\d+\.Key$").Contains(Core.Model.SuccessorTags.Group));
        });
        Assert.DoesNotContain(run.CallsOf("ReplaceFunction"), c => c.Action == "CreateTags");
        // Volume: tags it writes on existing volumes are spotmax:* only (RecordMoveStateOnVolumes: aws:TagKeys).
        SignedCall[] tagging = [.. run.CallsOf("VolumeFunction").Where(c => c.Action == "CreateTags")];
        Assert.NotEmpty(tagging);
        string[] keys = [.. tagging.SelectMany(c => c.FormValues(@"^Tag\.\d+\.Key$"))];
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.StartsWith("spotmax:", key, StringComparison.Ordinal));
    }

    /// <summary>
    /// One needed grant taken away: the replace role's Auto Scaling attach/detach statement, or ec2:AttachVolume from
    /// every statement of the volume role (moto evaluates no resources there, so the instance-side and volume-side
    /// statements that each grant it in AWS must all lose it before moto refuses).
    /// </summary>
    [Theory]
    [InlineData("ReplaceFunction", "HandOverInManagedGroups", null, StepNames.Replace, "autoscaling:AttachInstances")]
    [InlineData("VolumeFunction", null, "ec2:AttachVolume", StepNames.Volume, "ec2:AttachVolume")]
    public async Task HandOverAsDeployed_NeededGrantRemoved_StepFailsLoudlyWithAccessDenied(string function, string? statement, string? action, string step, string refusedAction)
    {
        IamDrillOutcome run = await IamRuntimeDrill.RunAsync(
            moto,
            statement is null ? null : [$"{function}:{statement}"],
            action is null ? null : [$"{function}:{action}"]);
        string report = run.Describe();
        output.WriteLine(report);

        Assert.DoesNotContain(refusedAction, run.Stack.GivenActionsOf(function));
        SignedCall refused = Assert.Single(run.Refused.DistinctBy(c => c.Action));
        Assert.Equal(run.Stack.AccessKeyOf(function), refused.AccessKeyId);
        Assert.Equal([refusedAction], refused.IamActions);
        Assert.NotNull(run.Record);
        Core.Model.StepRecord? record = run.Record.FindStep(step);
        Assert.NotNull(record);
        Assert.True(record.Status == StepStatus.Failed, report);
        Assert.True(IsAccessDenied(record.Reason), report);
    }

    private static bool IsAccessDenied(string? text) =>
        text is not null && (text.Contains("AccessDenied", StringComparison.Ordinal) || text.Contains("UnauthorizedOperation", StringComparison.Ordinal));

    private static void AssertSigned(IamDrillOutcome run, string function, params string[] actions)
    {
        HashSet<string> called = [.. run.CallsOf(function).Where(c => c.Status < 300).SelectMany(c => c.IamActions)];
        Assert.All(actions, a => Assert.True(called.Contains(a), $"{function} never made an accepted {a} call; it made [{string.Join(", ", called.Order(StringComparer.Ordinal))}]"));
    }
}
