using System.Text.Json.Nodes;

namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>
/// Least privilege over the transformed template (what CloudFormation would really create): each function has its
/// own role, no Allow grants a wildcard action, and every granted action is listed here per function, so a new
/// permission needs a deliberate change to this file, reviewed with the reason in template.yaml.
/// </summary>
public sealed class IamPolicyTests
{
    private const string DescribeInstances = "ec2:DescribeInstances";
    private const string DescribeGroups = "autoscaling:DescribeAutoScalingGroups";
    private const string Logs1 = "logs:CreateLogStream";
    private const string Logs2 = "logs:PutLogEvents";
    private const string FailureQueue = "sqs:SendMessage";

    /// <summary>The hand-over events (Started, Completed, Failed, Deadline Missed), on the account's default bus only.</summary>
    private const string HandoverEvents = "events:PutEvents";

    private static readonly string[] LedgerWrite = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];

    /// <summary>What Lambda needs to place a function in a VPC (only when VpcSubnetIds is set).</summary>
    private static readonly string[] VpcNetworkInterfaces =
    [
        "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
    ];

    /// <summary>
    /// Every action each function's role may be granted (in any parameter combination). Why each is needed:
    /// template.yaml next to the statement, and docs/deploy.md "Permissions".
    /// </summary>
    private static readonly Dictionary<string, string[]> AllowedActions = new()
    {
        ["DispatcherFunction"] =
        [
            Logs1, Logs2, DescribeInstances, DescribeGroups, "s3:GetObject", "s3:ListBucket",
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "lambda:InvokeFunction", FailureQueue, HandoverEvents,
            // The hand-over's first change: the data volume kept (DeleteOnTermination=false) before the ledger begin.
            "ec2:ModifyInstanceAttribute",
            // Backfill of failed launches (issue 19) and pre-warm on rebalance recommendations (HandleRebalance=true):
            // launch like the replace function; pre-warm releases unused successors.
            "ec2:RunInstances", "ec2:CreateTags", "iam:PassRole", "ec2:TerminateInstances",
            // Backfill: attach the successor to the short group, put desired capacity back, MaxSize raised and restored.
            "autoscaling:AttachInstances", "autoscaling:SetDesiredCapacity", "autoscaling:UpdateAutoScalingGroup",
            // Terminate lifecycle hooks: the hook's heartbeat and global timeouts are the hand-over's deadline source.
            "autoscaling:DescribeLifecycleHooks",
            // The capacity-aware launch (issue 19): one instant CreateFleet over every candidate pool; the subnets' zones.
            "ec2:CreateFleet", "ec2:DescribeSubnets",
        ],
        ["ReplaceFunction"] =
        [
            Logs1, Logs2, DescribeInstances, "ec2:DescribeLaunchTemplateVersions", DescribeGroups, "ec2:RunInstances", "ec2:CreateTags",
            "iam:PassRole", "autoscaling:AttachInstances", "autoscaling:DetachInstances", "autoscaling:SetDesiredCapacity",
            "autoscaling:UpdateAutoScalingGroup", .. LedgerWrite, FailureQueue, HandoverEvents,
            // The capacity-aware launch (issue 19) over the group's subnets, and their zones.
            "ec2:CreateFleet", "ec2:DescribeSubnets",
            // An AWS Health scheduled retirement (issue 20): the retiring instance leaves its managed group terminated.
            "autoscaling:TerminateInstanceInAutoScalingGroup",
            // Its own intake of a Spot warning (issue 24), as the dispatcher's: the config, the data volume kept before
            // the begin, the other steps' functions started.
            "s3:GetObject", "s3:ListBucket", "ec2:ModifyInstanceAttribute", "lambda:InvokeFunction",
        ],
        ["VolumeFunction"] =
        [
            Logs1, Logs2, DescribeInstances, DescribeGroups, "ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:ModifyInstanceAttribute",
            "ec2:AttachVolume", "ec2:DetachVolume", "ec2:CreateSnapshot", "ec2:CreateVolume", "ec2:CreateTags", .. LedgerWrite, FailureQueue, HandoverEvents,
        ],
        ["DrainFunction"] = [Logs1, Logs2, "eks:DescribeCluster", .. LedgerWrite, FailureQueue, HandoverEvents, .. VpcNetworkInterfaces],
        ["ConsulFunction"] = [Logs1, Logs2, "ssm:GetParameter", "kms:Decrypt", .. LedgerWrite, FailureQueue, HandoverEvents, .. VpcNetworkInterfaces],
        // Terminate lifecycle hooks: heartbeats and one completion, in managed groups only.
        ["LifecycleFunction"] = [Logs1, Logs2, "autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat", .. LedgerWrite, FailureQueue, HandoverEvents],
        // Traffic leaves first (issue #22): read the group and its load balancers, deregister the instance from them.
        ["TrafficFunction"] =
        [
            Logs1, Logs2, DescribeGroups, "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeInstanceHealth", "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:DeregisterInstancesFromLoadBalancer", .. LedgerWrite, FailureQueue, HandoverEvents,
        ],
        ["PreactionFunction"] =
        [
            Logs1, Logs2, DescribeInstances, "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeVolumes", "ec2:DescribeSnapshots", DescribeGroups,
            "s3:GetObject", "s3:ListBucket", "ec2:RunInstances", "ec2:CreateTags", "iam:PassRole", "ec2:TerminateInstances",
            "autoscaling:AttachInstances", "autoscaling:DetachInstances", "autoscaling:UpdateAutoScalingGroup",
            "ec2:ModifyInstanceAttribute", "ec2:AttachVolume", "ec2:DetachVolume", "eks:DescribeCluster", "ssm:GetParameter", "kms:Decrypt",
            "dynamodb:GetItem", "dynamodb:PutItem", FailureQueue, .. VpcNetworkInterfaces,
            // The capacity-aware launch (issue 19).
            "ec2:CreateFleet",
        ],
    };

    /// <summary>Actions AWS does not scope to resources: the only ones allowed on Resource "*".</summary>
    private static readonly HashSet<string> UnscopableActions =
    [
        DescribeInstances, DescribeGroups, "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeVolumes", "ec2:DescribeSnapshots",
        "autoscaling:DescribeLifecycleHooks", .. VpcNetworkInterfaces,
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeInstanceHealth",
        "ec2:DescribeSubnets",
    ];

    /// <summary>Mutating actions and the condition key every statement granting them must carry.</summary>
    private static readonly Dictionary<string, string[]> RequiredConditionKeys = new()
    {
        ["ec2:CreateTags"] = ["ec2:CreateAction", "aws:TagKeys"],
        ["iam:PassRole"] = ["iam:PassedToService"],
        ["autoscaling:AttachInstances"] = ["autoscaling:ResourceTag/spotmax:managed"],
        ["autoscaling:DetachInstances"] = ["autoscaling:ResourceTag/spotmax:managed"],
        ["autoscaling:TerminateInstanceInAutoScalingGroup"] = ["autoscaling:ResourceTag/spotmax:managed"],
        ["autoscaling:SetDesiredCapacity"] = ["autoscaling:ResourceTag/spotmax:managed"],
        ["autoscaling:UpdateAutoScalingGroup"] = ["autoscaling:ResourceTag/spotmax:managed"],
        ["autoscaling:CompleteLifecycleAction"] = ["autoscaling:ResourceTag/spotmax:managed"],
        ["autoscaling:RecordLifecycleActionHeartbeat"] = ["autoscaling:ResourceTag/spotmax:managed"],
        ["ec2:ModifyInstanceAttribute"] = ["ec2:ResourceTag/aws:autoscaling:groupName", "ec2:ResourceTag/spotmax:group"],
        ["ec2:AttachVolume"] = ["ec2:ResourceTag/aws:autoscaling:groupName", "ec2:ResourceTag/spotmax:group"],
        ["ec2:DetachVolume"] = ["ec2:ResourceTag/aws:autoscaling:groupName", "ec2:ResourceTag/spotmax:group"],
        ["ec2:CreateSnapshot"] = ["ec2:ResourceTag/spotmax:group", "aws:RequestTag/spotmax:group"],
        ["ec2:CreateVolume"] = ["ec2:ResourceTag/spotmax:group", "aws:RequestTag/spotmax:group"],
        ["kms:Decrypt"] = ["kms:ViaService"],
        // Dispatcher pre-warm spares (prewarm-until) and preaction victims (preaction): never an arbitrary instance.
        ["ec2:TerminateInstances"] = ["ec2:ResourceTag/spotmax:prewarm-until", "ec2:ResourceTag/spotmax:preaction"],
    };

    /// <summary>
    /// What each tag-on-create action creates. A request-tag condition proves something only about the resource
    /// being created; on a source resource (the volume snapshotted, the snapshot restored) it would let any
    /// untagged source through, so such statements may name only the created type.
    /// </summary>
    private static readonly Dictionary<string, string> CreatedResource = new()
    {
        ["ec2:RunInstances"] = ":instance/",
        ["ec2:CreateSnapshot"] = "::snapshot/",
        ["ec2:CreateVolume"] = ":volume/",
    };

    [Fact]
    public async Task Roles_TransformedTemplate_GrantExactlyTheDocumentedActions()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();
        Dictionary<string, List<JsonElement>> statements = StatementsByFunction(resources);

        Assert.Equal(AllowedActions.Keys.Order(), statements.Keys.Order());
        foreach ((string function, List<JsonElement> granted) in statements)
        {
            string[] actions = [.. granted.SelectMany(Actions).Distinct().Order(StringComparer.Ordinal)];
            Assert.True(
                AllowedActions[function].Order(StringComparer.Ordinal).SequenceEqual(actions),
                $"{function} grants [{string.Join(", ", actions)}]; the allow-list says [{string.Join(", ", AllowedActions[function].Order(StringComparer.Ordinal))}]");
        }
    }

    [Fact]
    public async Task Policies_TransformedTemplate_HaveNoFindings()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        Assert.Empty(Findings(resources));
    }

    [Fact]
    public async Task Findings_WildcardAndUnconditionedGrants_AreReported()
    {
        // The checks above must be able to fail: inject the grants they exist to stop and expect each reported.
        JsonObject template = JsonNode.Parse(File.ReadAllText(await TransformedTemplate.PathAsync()))!.AsObject();
        JsonArray replace = template["Resources"]!["ReplaceRole"]!["Properties"]!["Policies"]![0]!["PolicyDocument"]!["Statement"]!.AsArray();
        replace.Add(JsonNode.Parse("""{"Effect":"Allow","Action":["ec2:*"],"Resource":"*"}"""));
        replace.Add(JsonNode.Parse("""{"Effect":"Allow","Action":"autoscaling:DetachInstances","Resource":"arn:aws:autoscaling:*"}"""));
        replace.Add(JsonNode.Parse("""{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}"""));
        replace.Add(JsonNode.Parse("""{"Effect":"Allow","Action":"ec2:CreateSnapshot","Resource":["arn:aws:ec2:us-east-1::snapshot/*","arn:aws:ec2:us-east-1:1:volume/*"],"Condition":{"StringLike":{"aws:RequestTag/spotmax:group":"?*"}}}"""));
        JsonElement resources = JsonDocument.Parse(template.ToJsonString()).RootElement.GetProperty("Resources");

        string[] findings = [.. Findings(resources)];

        Assert.Contains(findings, f => f.Contains("wildcard action ec2:*", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("autoscaling:DetachInstances without autoscaling:ResourceTag/spotmax:managed", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("ec2:TerminateInstances on Resource *", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("ec2:CreateSnapshot with a request-tag condition on a resource it does not create", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunInstances_InstanceResource_RequiresTheGroupTagInTheRequest()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();
        List<JsonElement> replace = StatementsByFunction(resources)["ReplaceFunction"];

        JsonElement[] instanceGrants = [.. replace.Where(s => Actions(s).Contains("ec2:RunInstances") && s.GetProperty("Resource").GetRawText().Contains(":instance/*", StringComparison.Ordinal))];

        JsonElement grant = Assert.Single(instanceGrants);
        Assert.Contains("aws:RequestTag/spotmax:group", ConditionKeys(grant));
    }

    [Fact]
    public async Task Deregistration_TrafficFunction_IsScopedToTargetGroupsAndLoadBalancersAndNoOtherRoleHasIt()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();
        Dictionary<string, List<JsonElement>> statements = StatementsByFunction(resources);

        JsonElement targets = Assert.Single(statements["TrafficFunction"], s => Actions(s).Contains("elasticloadbalancing:DeregisterTargets"));
        Assert.Equal(["elasticloadbalancing:DeregisterTargets"], Actions(targets));
        Assert.All(ResourceTexts(targets), r => Assert.Contains(":targetgroup/*/*", r, StringComparison.Ordinal));
        JsonElement classic = Assert.Single(statements["TrafficFunction"], s => Actions(s).Contains("elasticloadbalancing:DeregisterInstancesFromLoadBalancer"));
        Assert.All(ResourceTexts(classic), r => Assert.Contains(":loadbalancer/*", r, StringComparison.Ordinal));
        Assert.DoesNotContain(
            statements.Where(f => f.Key != "TrafficFunction").SelectMany(f => f.Value).SelectMany(Actions),
            a => a.StartsWith("elasticloadbalancing:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigRead_Dispatcher_IsLimitedToTheConfigKeysOfTheConfigBucket()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();
        List<JsonElement> dispatcher = StatementsByFunction(resources)["DispatcherFunction"];

        string[] objects = [.. dispatcher.Where(s => Actions(s).Contains("s3:GetObject")).SelectMany(ResourceTexts)];
        Assert.Equal(2, objects.Length);
        Assert.Contains(objects, r => r.Contains("/${ConfigPrefix}*", StringComparison.Ordinal));
        Assert.Contains(objects, r => r.Contains("/${LegacyConfigKey}", StringComparison.Ordinal));

        string bucket = Assert.Single(dispatcher.Where(s => Actions(s).Contains("s3:ListBucket")).SelectMany(ResourceTexts));
        Assert.Contains("arn:${AWS::Partition}:s3:::${Bucket}\"", bucket, StringComparison.Ordinal);
        // Preaction reads the same config keys (which groups have is_enable_preaction), nothing more.
        List<JsonElement> preaction = StatementsByFunction(resources)["PreactionFunction"];
        Assert.Equal(objects.Order(), preaction.Where(s => Actions(s).Contains("s3:GetObject")).SelectMany(ResourceTexts).Order());
        // So does the replace function's own intake of a Spot warning (issue 24), and it lists the same bucket only.
        List<JsonElement> replace = StatementsByFunction(resources)["ReplaceFunction"];
        Assert.Equal(objects.Order(), replace.Where(s => Actions(s).Contains("s3:GetObject")).SelectMany(ResourceTexts).Order());
        Assert.Equal(bucket, Assert.Single(replace.Where(s => Actions(s).Contains("s3:ListBucket")).SelectMany(ResourceTexts)));
        Assert.DoesNotContain(
            StatementsByFunction(resources).Where(f => f.Key is not ("DispatcherFunction" or "PreactionFunction" or "ReplaceFunction")),
            f => f.Value.SelectMany(Actions).Any(a => a.StartsWith("s3:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task HandoverEvents_EveryGrant_IsTheDefaultBusOnly()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        JsonElement[] grants = [.. StatementsByFunction(resources).Values.SelectMany(s => s).Where(s => Actions(s).Contains(HandoverEvents))];

        // One grant per function the allow-list gives events:PutEvents, each in a statement of its own.
        Assert.Equal(AllowedActions.Count(a => a.Value.Contains(HandoverEvents)), grants.Length);
        Assert.All(grants, g => Assert.Equal([HandoverEvents], Actions(g)));
        Assert.All(grants, g => Assert.Equal(
            "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default", g.GetProperty("Resource").GetProperty("Fn::Sub").GetString()));
    }

    [Fact]
    public async Task ResourcePolicies_TransformedTemplate_AllowOnlyEventBridgeToTheFailureQueue()
    {
        JsonElement resources = await TransformedTemplate.ResourcesAsync();

        JsonElement queuePolicy = resources.GetProperty("FailureQueuePolicy").GetProperty("Properties").GetProperty("PolicyDocument");
        JsonElement statement = Assert.Single(queuePolicy.GetProperty("Statement").EnumerateArray());
        Assert.Equal("events.amazonaws.com", statement.GetProperty("Principal").GetProperty("Service").GetString());
        Assert.Equal(["sqs:SendMessage"], Actions(statement));
        Assert.Contains("aws:SourceArn", ConditionKeys(statement));

        // The bucket policy only denies (plain HTTP); a Deny with s3:* takes rights away.
        JsonElement bucketPolicy = resources.GetProperty("ConfigBucketPolicy").GetProperty("Properties").GetProperty("PolicyDocument");
        Assert.All(bucketPolicy.GetProperty("Statement").EnumerateArray(), s => Assert.Equal("Deny", s.GetProperty("Effect").GetString()));
    }

    /// <summary>Every violation of the least-privilege rules in the template, as readable sentences.</summary>
    private static IEnumerable<string> Findings(JsonElement resources)
    {
        foreach (JsonProperty resource in resources.EnumerateObject())
        {
            string type = resource.Value.GetProperty("Type").GetString()!;
            if (type is "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy")
            {
                yield return $"{resource.Name}: stand-alone {type} (roles carry their policies inline)";
            }

            if (type == "AWS::IAM::Role" && resource.Value.GetProperty("Properties").TryGetProperty("ManagedPolicyArns", out _))
            {
                yield return $"{resource.Name}: managed policies attached";
            }
        }

        foreach ((string function, List<JsonElement> statements) in StatementsByFunction(resources))
        {
            foreach (JsonElement statement in statements)
            {
                string[] actions = Actions(statement);
                HashSet<string> conditionKeys = ConditionKeys(statement);
                bool anyResource = ResourceIsStar(statement);
                foreach (string action in actions)
                {
                    if (action.Contains('*', StringComparison.Ordinal))
                    {
                        yield return $"{function}: wildcard action {action}";
                    }

                    if (anyResource && !UnscopableActions.Contains(action))
                    {
                        yield return $"{function}: {action} on Resource *";
                    }

                    if (RequiredConditionKeys.TryGetValue(action, out string[]? keys) && !keys.Any(conditionKeys.Contains))
                    {
                        yield return $"{function}: {action} without {string.Join(" or ", keys)}";
                    }

                    if (conditionKeys.Any(k => k.StartsWith("aws:RequestTag/", StringComparison.Ordinal))
                        && CreatedResource.TryGetValue(action, out string? created)
                        && ResourceTexts(statement).Any(r => !r.Contains(created, StringComparison.Ordinal)))
                    {
                        yield return $"{function}: {action} with a request-tag condition on a resource it does not create";
                    }
                }
            }
        }
    }

    /// <summary>Allow statements of each function's own role, both branches of Fn::If included (every parameter combination).</summary>
    private static Dictionary<string, List<JsonElement>> StatementsByFunction(JsonElement resources)
    {
        var result = new Dictionary<string, List<JsonElement>>();
        var rolesSeen = new HashSet<string>();
        foreach (JsonProperty resource in resources.EnumerateObject())
        {
            if (resource.Value.GetProperty("Type").GetString() != "AWS::Lambda::Function")
            {
                continue;
            }

            JsonElement role = resource.Value.GetProperty("Properties").GetProperty("Role");
            string roleId = role.GetProperty("Fn::GetAtt")[0].GetString()!;
            Assert.True(rolesSeen.Add(roleId), $"{roleId} is shared by more than one function");
            JsonElement roleProperties = resources.GetProperty(roleId).GetProperty("Properties");
            Assert.Equal(
                "lambda.amazonaws.com",
                roleProperties.GetProperty("AssumeRolePolicyDocument").GetProperty("Statement")[0].GetProperty("Principal").GetProperty("Service").GetString());

            var statements = new List<JsonElement>();
            foreach (JsonElement policy in roleProperties.GetProperty("Policies").EnumerateArray())
            {
                foreach (JsonElement item in policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
                {
                    statements.AddRange(Branches(item).Where(s => s.GetProperty("Effect").GetString() == "Allow"));
                }
            }

            result[resource.Name] = statements;
        }

        return result;
    }

    private static IEnumerable<JsonElement> Branches(JsonElement item)
    {
        if (item.TryGetProperty("Fn::If", out JsonElement branches))
        {
            foreach (JsonElement branch in branches.EnumerateArray().Skip(1))
            {
                bool noValue = branch.ValueKind == JsonValueKind.Object && branch.TryGetProperty("Ref", out JsonElement reference) && reference.GetString() == "AWS::NoValue";
                if (!noValue)
                {
                    foreach (JsonElement inner in Branches(branch))
                    {
                        yield return inner;
                    }
                }
            }
        }
        else
        {
            yield return item;
        }
    }

    private static string[] Actions(JsonElement statement)
    {
        JsonElement action = statement.GetProperty("Action");
        return action.ValueKind == JsonValueKind.String ? [action.GetString()!] : [.. action.EnumerateArray().Select(a => a.GetString()!)];
    }

    private static bool ResourceIsStar(JsonElement statement)
    {
        JsonElement resource = statement.GetProperty("Resource");
        return resource.ValueKind == JsonValueKind.String
            ? resource.GetString() == "*" || resource.GetString()!.EndsWith(":*", StringComparison.Ordinal)
            : resource.ValueKind == JsonValueKind.Array && resource.EnumerateArray().Any(r => r.ValueKind == JsonValueKind.String && r.GetString() == "*");
    }

    /// <summary>Each Resource entry as text (an ARN, or the JSON of the intrinsic function that builds it).</summary>
    private static IEnumerable<string> ResourceTexts(JsonElement statement)
    {
        JsonElement resource = statement.GetProperty("Resource");
        IEnumerable<JsonElement> items = resource.ValueKind == JsonValueKind.Array ? resource.EnumerateArray() : [resource];
        return items.Select(r => r.ValueKind == JsonValueKind.String ? r.GetString()! : r.GetRawText());
    }

    private static HashSet<string> ConditionKeys(JsonElement statement)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (statement.TryGetProperty("Condition", out JsonElement condition))
        {
            foreach (JsonProperty op in condition.EnumerateObject())
            {
                foreach (JsonProperty key in op.Value.EnumerateObject())
                {
                    keys.Add(key.Name);
                }
            }
        }

        return keys;
    }
}
