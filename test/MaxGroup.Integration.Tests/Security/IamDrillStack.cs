using Amazon.Runtime;
using MaxGroup.Integration.Tests.Deployment;

namespace MaxGroup.Integration.Tests.Security;

/// <summary>
/// The transformed template.yaml deployed into the enforcing emulator by tools/sam/iam_drill_moto.py: CloudFormation
/// creates the roles (ARNs resolved), each role's inline policy is read back, and each function gets an IAM user
/// carrying that policy (resources widened to "*" only where moto authorizes against "*"; see the tool's docstring).
/// Also the administrator that builds the scene and plays AWS's part.
/// </summary>
internal sealed class IamDrillStack
{
    public const string StackName = "maxgroup";

    private IamDrillStack(JsonDocument report) => Report = report;

    /// <summary>The tool's whole answer (kept for assertion messages).</summary>
    public JsonDocument Report { get; }

    public AWSCredentials Admin => Credentials(Report.RootElement.GetProperty("admin"));

    public string LedgerTable => Report.RootElement.GetProperty("outputs").GetProperty("LedgerTableName").GetString()!;

    public string ConfigBucket => Report.RootElement.GetProperty("outputs").GetProperty("ConfigBucket").GetString()!;

    /// <param name="endpoint">The enforcing emulator, freshly reset.</param>
    /// <param name="parameters">Stack parameters, Key=Value.</param>
    /// <param name="drops">Function:Sid statements to leave out of that function's user.</param>
    /// <param name="removedActions">Function:action pairs: the action taken out of every statement of that function.</param>
    /// <param name="exact">Functions whose user gets the policy exactly as deployed (no resource widened for moto).</param>
    public static async Task<IamDrillStack> DeployAsync(string endpoint, IEnumerable<string> parameters, IEnumerable<string>? drops = null, IEnumerable<string>? removedActions = null, IEnumerable<string>? exact = null)
    {
        List<string> arguments = [RepositoryPaths.Tool("iam_drill_moto.py"), "--endpoint", endpoint, "--template", await TransformedTemplate.PathAsync(), "--stack-name", StackName];
        arguments.AddRange(parameters.SelectMany(p => new[] { "--parameter", p }));
        arguments.AddRange((drops ?? []).SelectMany(d => new[] { "--drop", d }));
        arguments.AddRange((removedActions ?? []).SelectMany(a => new[] { "--remove-action", a }));
        arguments.AddRange((exact ?? []).SelectMany(f => new[] { "--exact", f }));
        ToolResult result = await ToolProcess.RunAsync("python3", arguments, TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.ToString());
        return new IamDrillStack(JsonDocument.Parse(result.StandardOutput));
    }

    /// <summary>The keys of the IAM user that carries <paramref name="function"/>'s role policy (logical id, e.g. ReplaceFunction).</summary>
    public AWSCredentials CredentialsOf(string function) => Credentials(Function(function));

    public string AccessKeyOf(string function) => Function(function).GetProperty("accessKeyId").GetString()!;

    /// <summary>The policy the function's user was given, as JSON (for messages).</summary>
    public string GivenPolicyOf(string function) => Function(function).GetProperty("given").GetRawText();

    /// <summary>Every action the deployed role of <paramref name="function"/> allows, as CloudFormation created it.</summary>
    public IReadOnlySet<string> DeployedActionsOf(string function) => Actions(Function(function).GetProperty("deployed"));

    /// <summary>Every action the function's user may call.</summary>
    public IReadOnlySet<string> GivenActionsOf(string function) => Actions(Function(function).GetProperty("given"));

    private JsonElement Function(string function) => Report.RootElement.GetProperty("functions").GetProperty(function);

    private static HashSet<string> Actions(JsonElement policy)
    {
        var actions = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement statement in policy.GetProperty("Statement").EnumerateArray().Where(s => s.GetProperty("Effect").GetString() == "Allow"))
        {
            JsonElement action = statement.GetProperty("Action");
            if (action.ValueKind == JsonValueKind.String)
            {
                actions.Add(action.GetString()!);
            }
            else
            {
                actions.UnionWith(action.EnumerateArray().Select(a => a.GetString()!));
            }
        }

        return actions;
    }

    private static BasicAWSCredentials Credentials(JsonElement keys) =>
        new(keys.GetProperty("accessKeyId").GetString()!, keys.GetProperty("secretAccessKey").GetString()!);
}
