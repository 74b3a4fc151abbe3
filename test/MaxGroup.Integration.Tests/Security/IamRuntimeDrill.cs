using Amazon.EC2.Model;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Integration.Tests.Reliability;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Security;

/// <summary>
/// One hand-over as deployed, under IAM: the stack deployed into the enforcing emulator (<see cref="IamDrillStack"/>),
/// the demo's managed Spot group (spotmax:managed=true; launch strategy; data volume at /dev/sdf tagged spotmax:group)
/// built by the administrator, with drain and Consul on (the fault drill's group config: the node in the Kubernetes API
/// simulator, which accepts only EKS tokens presigned with the drain function's identity, and its services in the
/// Consul agent simulator), then what EventBridge and Lambda would do. The dispatcher handler runs with the
/// dispatcher's identity and invokes the step functions through the Lambda API (signed with that identity, so the
/// Invoke must be allowed too); each accepted Invoke is then run as Lambda would run it: the named function's handler,
/// in an execution environment of its own that signs with that function's identity. AWS's part (terminating the
/// instance) is played by the administrator. Nothing is taken from MaxGroup's answers: the outcome is read from moto
/// and the ledger.
/// </summary>
internal static class IamRuntimeDrill
{
    /// <summary>Deployed function name -> (template logical id, handler name).</summary>
    public static readonly IReadOnlyDictionary<string, (string LogicalId, string Handler)> Functions = new Dictionary<string, (string, string)>
    {
        [$"{IamDrillStack.StackName}-dispatcher"] = ("DispatcherFunction", "dispatcher"),
        [$"{IamDrillStack.StackName}-replace"] = ("ReplaceFunction", "replace"),
        [$"{IamDrillStack.StackName}-volume"] = ("VolumeFunction", "volume"),
        [$"{IamDrillStack.StackName}-drain"] = ("DrainFunction", "drain"),
        [$"{IamDrillStack.StackName}-consul"] = ("ConsulFunction", "consul"),
    };

    public const string AttachAs = "/dev/xvdz";

    /// <param name="moto">The enforcing emulator (reset here).</param>
    /// <param name="drops">Function:Sid statements left out of that function's identity (the negative drill).</param>
    /// <param name="removedActions">Function:action pairs taken out of every statement of that function.</param>
    public static async Task<IamDrillOutcome> RunAsync(IamMotoFixture moto, IEnumerable<string>? drops = null, IEnumerable<string>? removedActions = null)
    {
        await moto.ResetAsync();
        IamDrillStack stack = await IamDrillStack.DeployAsync(moto.Endpoint, [$"ConfigBucketName={DemoScene.ConfigBucket}"], drops, removedActions);
        using var admin = new AwsClientFactory(
            AwsEnvironment.FromVariables(new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = moto.Endpoint, ["AWS_REGION"] = MotoFixture.Region }),
            TimeProvider.System,
            stack.Admin,
            AwsTestClients.FastRetry());
        await DemoScene.BuildAsync(admin, DemoScenario.Basic, CancellationToken.None);
        AutoScalingGroupInfo before = await DemoScene.DescribeGroupAsync(admin, CancellationToken.None);
        await TagDataVolumesAsync(admin, before);
        AutoScalingInstanceInfo doomed = before.Instances.OrderBy(i => i.AvailabilityZone, StringComparer.Ordinal).ThenBy(i => i.InstanceId, StringComparer.Ordinal).First();
        string volumeId = await DataVolumeOfAsync(admin, doomed.InstanceId);
        string zone = doomed.AvailabilityZone ?? DemoScene.ZoneA;

        await using FakeKubeApiServer kube = await FakeKubeApiServer.StartAsync();
        Amazon.Runtime.ImmutableCredentials drain = await stack.CredentialsOf("DrainFunction").GetCredentialsAsync();
        kube.TokenValidator = token => EksTokenChecker.Problem(token, FaultDrillScenario.ClusterName, MotoFixture.Region, drain.AccessKey, drain.SecretKey, DateTimeOffset.UtcNow) is null;
        string node = (await admin.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [doomed.InstanceId] })).Reservations.Single().Instances.Single().PrivateDnsName;
        kube.AddNode(node, $"aws:///{zone}/{doomed.InstanceId}", zone);
        kube.AddPod("default", "web-1", node, new Dictionary<string, string> { ["app"] = "web" });
        await using FakeConsul consul = await FakeConsul.StartAsync();
        consul.AddService("web-1", "web");
        await admin.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = DemoScene.ConfigBucket,
            Key = $"groups/{DemoScene.GroupName}.json",
            ContentBody = FaultDrillScenario.GroupConfigJson(kube.Endpoint, kube.Certificates.CaBase64, consul.Port),
        });

        // Auto Scaling and DynamoDB one request at a time, as AWS applies each atomically (SerializingDynamoDbProxy);
        // in front of it the recorder, which sees every identity's requests and the Invokes.
        await using SerializingDynamoDbProxy serial = await SerializingDynamoDbProxy.StartAsync(moto.Endpoint);
        await using SignedCallRecorder recorder = await SignedCallRecorder.StartAsync(serial.Endpoint);
        var hosts = new Dictionary<string, FaultDrillHost>(StringComparer.Ordinal);
        var invocations = new List<DrillInvocation>();
        try
        {
            foreach ((string functionName, (string logicalId, string _)) in Functions)
            {
                hosts[functionName] = new FaultDrillHost(
                    Variables(stack, recorder.Endpoint, dispatcher: logicalId == "DispatcherFunction"),
                    Stream.Null,
                    new InvocationOptions { Credentials = stack.CredentialsOf(logicalId) });
            }

            DateTimeOffset reclaimAt = DateTimeOffset.UtcNow.AddSeconds(120);
            await DeliverAsync(hosts, recorder, invocations, "warning", DemoScene.WarningJson("iam-warning", doomed.InstanceId, zone, "terminate", reclaimAt));
            // AWS's part: the instance is reclaimed, and EventBridge reports the state change.
            await admin.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed.InstanceId] });
            await DeliverAsync(hosts, recorder, invocations, "terminated", DemoScene.StateChangeJson("iam-state", doomed.InstanceId, "terminated", DateTimeOffset.UtcNow));
        }
        finally
        {
            foreach (FaultDrillHost host in hosts.Values)
            {
                host.Dispose();
            }
        }

        InterruptionRecord? record = await new DynamoDbLedger(admin.DynamoDb, stack.LedgerTable).GetAsync(doomed.InstanceId, CancellationToken.None);
        Amazon.EC2.Model.Volume? volume = await VolumeOrNullAsync(admin, volumeId);
        return new IamDrillOutcome
        {
            Stack = stack,
            Before = before,
            After = await DemoScene.DescribeGroupAsync(admin, CancellationToken.None),
            DoomedInstanceId = doomed.InstanceId,
            VolumeId = volumeId,
            Volume = volume,
            Record = record,
            Invocations = invocations,
            Calls = recorder.Calls,
        };
    }

    /// <summary>
    /// The launch template tags the data volume spotmax:group (docs/deploy.md), in a new default version. moto 5.2.1
    /// applies a launch template's volume tag specification to no instance Auto Scaling launches, so the administrator
    /// also tags the data volumes of the members already running, as AWS would have. moto 5.2.1 also ignores
    /// SourceVersion (the new version would hold only the tags, and its CreateFleet fails on the missing ImageId), so the
    /// version carries the template's data in full, as AWS makes it from the source version.
    /// </summary>
    private static RequestLaunchTemplateData WithVolumeTag(RequestLaunchTemplateData data, Tag tag)
    {
        data.TagSpecifications = [new LaunchTemplateTagSpecificationRequest { ResourceType = "volume", Tags = [tag] }];
        return data;
    }

    private static async Task TagDataVolumesAsync(AwsClientFactory admin, AutoScalingGroupInfo group)
    {
        var tag = new Tag(VolumeTags.Group, DemoScene.GroupName);
        await admin.Ec2.CreateLaunchTemplateVersionAsync(new CreateLaunchTemplateVersionRequest
        {
            LaunchTemplateName = DemoScene.GroupName,
            SourceVersion = "$Default",
            LaunchTemplateData = WithVolumeTag(DemoScene.TemplateData(), tag),
        });
        await admin.Ec2.ModifyLaunchTemplateAsync(new ModifyLaunchTemplateRequest { LaunchTemplateName = DemoScene.GroupName, DefaultVersion = "2" });
        List<string> volumes = [];
        foreach (AutoScalingInstanceInfo member in group.Instances)
        {
            volumes.Add(await DataVolumeOfAsync(admin, member.InstanceId));
        }

        await admin.Ec2.CreateTagsAsync(new CreateTagsRequest { Resources = volumes, Tags = [tag] });
    }

    /// <summary>The volume, or null when it no longer exists (deleted with its instance).</summary>
    private static async Task<Amazon.EC2.Model.Volume?> VolumeOrNullAsync(AwsClientFactory admin, string volumeId)
    {
        try
        {
            return (await admin.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] })).Volumes?.SingleOrDefault();
        }
        catch (Amazon.EC2.AmazonEC2Exception ex) when (ex.ErrorCode == "InvalidVolume.NotFound")
        {
            return null;
        }
    }

    private static async Task<string> DataVolumeOfAsync(AwsClientFactory admin, string instanceId)
    {
        DescribeInstancesResponse response = await admin.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] });
        return response.Reservations.Single().Instances.Single().BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;
    }

    /// <summary>What each function is deployed with (template.yaml; checked by StackDeploymentTests), pointed at the recorder.</summary>
    private static Dictionary<string, string> Variables(IamDrillStack stack, string endpoint, bool dispatcher)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_ENDPOINT_URL"] = endpoint,
            ["AWS_REGION"] = MotoFixture.Region,
            ["MAXGROUP_LEDGER_TABLE"] = stack.LedgerTable,
            ["MAXGROUP_DRY_RUN"] = "false",
            ["KUBECONFIG"] = "",
        };
        if (dispatcher)
        {
            variables["MAXGROUP_CONFIG_BUCKET"] = stack.ConfigBucket;
            variables["MAXGROUP_CONFIG_PREFIX"] = "groups/";
            variables["MAXGROUP_LEGACY_CONFIG_KEY"] = "service_config.json";
            foreach ((string functionName, (string _, string handler)) in Functions.Where(f => f.Value.Handler != "dispatcher"))
            {
                variables[$"MAXGROUP_FUNCTION_{handler.ToUpperInvariant()}"] = functionName;
            }
        }

        return variables;
    }

    /// <summary>EventBridge delivers <paramref name="json"/> to the dispatcher; then Lambda runs every function it invoked, concurrently, until none is left.</summary>
    private static async Task DeliverAsync(Dictionary<string, FaultDrillHost> hosts, SignedCallRecorder recorder, List<DrillInvocation> invocations, string label, string json)
    {
        string dispatcher = $"{IamDrillStack.StackName}-dispatcher";
        invocations.Add(await InvokeAsync(hosts, dispatcher, label, json));
        for (List<RecordedInvocation> pending = recorder.TakeInvocations(); pending.Count > 0; pending = recorder.TakeInvocations())
        {
            invocations.AddRange(await Task.WhenAll(pending.Select(p => InvokeAsync(hosts, p.FunctionName, $"{label}: Invoke", p.Payload))));
        }
    }

    private static async Task<DrillInvocation> InvokeAsync(Dictionary<string, FaultDrillHost> hosts, string functionName, string label, string input)
    {
        if (!hosts.TryGetValue(functionName, out FaultDrillHost? host))
        {
            return new DrillInvocation(label, functionName, null, $"no such function in the drill: {functionName}");
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        InvocationResult result = await host.InvokeAsync(Functions[functionName].Handler, input, limit.Token);
        return new DrillInvocation(label, functionName, result.Body, result.Succeeded ? null : $"{result.Error.ErrorType}: {result.Error.ErrorMessage}");
    }
}

/// <summary>One function run of the drill: what it answered, or the error it raised.</summary>
internal sealed record DrillInvocation(string Label, string FunctionName, string? Body, string? Error)
{
    public override string ToString() => $"{Label} -> {FunctionName}: {Error ?? Body}";
}

/// <summary>What the drill left behind, read from moto and the ledger.</summary>
internal sealed class IamDrillOutcome
{
    public required IamDrillStack Stack { get; init; }
    public required AutoScalingGroupInfo Before { get; init; }
    public required AutoScalingGroupInfo After { get; init; }
    public required string DoomedInstanceId { get; init; }
    public required string VolumeId { get; init; }
    public required Amazon.EC2.Model.Volume? Volume { get; init; }
    public required InterruptionRecord? Record { get; init; }
    public required IReadOnlyList<DrillInvocation> Invocations { get; init; }
    public required IReadOnlyList<SignedCall> Calls { get; init; }

    /// <summary>The requests the emulator refused for want of permission.</summary>
    public IEnumerable<SignedCall> Refused => Calls.Where(c => c.Refused);

    /// <summary>The requests signed with <paramref name="function"/>'s identity (template logical id).</summary>
    public IEnumerable<SignedCall> CallsOf(string function) => Calls.Where(c => c.AccessKeyId == Stack.AccessKeyOf(function));

    /// <summary>Everything worth seeing when an assertion fails.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"doomed {DoomedInstanceId}, volume {VolumeId}: {Volume?.State ?? "DELETED"} on [{string.Join(", ", (Volume?.Attachments ?? []).Select(a => $"{a.InstanceId} {a.Device}"))}]");
        text.AppendLine($"group: desired {Before.DesiredCapacity} -> {After.DesiredCapacity}; members [{string.Join(", ", After.Instances.Select(i => i.InstanceId))}]");
        text.AppendLine($"ledger: successor {Record?.SuccessorInstanceId}; steps {string.Join("; ", (Record?.Steps ?? []).Select(s => $"{s.Name} {s.Status} {s.Reason}"))}");
        text.AppendLine("invocations:");
        foreach (DrillInvocation invocation in Invocations)
        {
            text.AppendLine($"  {invocation}");
        }

        text.AppendLine("calls by identity:");
        foreach ((string functionName, (string logicalId, string _)) in IamRuntimeDrill.Functions)
        {
            string[] actions = [.. CallsOf(logicalId).Select(c => $"{c.Service}:{c.Action}").Distinct().Order(StringComparer.Ordinal)];
            if (actions.Length > 0)
            {
                text.AppendLine($"  {functionName}: {string.Join(", ", actions)}");
            }
        }

        text.AppendLine("refused:");
        foreach (SignedCall call in Refused)
        {
            text.AppendLine($"  {call.AccessKeyId} {call.Service} {call.Action}: {call.Answer}");
        }

        return text.ToString();
    }
}
