using System.Text.Json;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Lambda;

/// <summary>
/// <see cref="IFunctionInvoker"/> through Lambda: starts the remediation function of a request's step asynchronously
/// (Invoke with InvocationType=Event) with the request as its JSON payload.
/// </summary>
/// <param name="client">The Lambda Invoke client (<see cref="AwsClientFactory.Lambda"/>).</param>
/// <param name="functionNames">Step name → function name or ARN (<see cref="FunctionNamesFromEnvironment"/>).</param>
/// <param name="serialize">Payload encoder; null = <see cref="RemediationJsonContext"/>, which the remediation handler reads.</param>
public sealed class LambdaFunctionInvoker(LambdaInvokeClient client, IReadOnlyDictionary<string, string> functionNames, Func<RemediationRequest, byte[]>? serialize = null) : IFunctionInvoker
{
    private readonly LambdaInvokeClient _client = client ?? throw new ArgumentNullException(nameof(client));
    private readonly IReadOnlyDictionary<string, string> _functionNames = functionNames ?? throw new ArgumentNullException(nameof(functionNames));
    private readonly Func<RemediationRequest, byte[]> _serialize = serialize ?? Serialize;

    /// <summary>The variable naming the function of <paramref name="step"/>, e.g. MAXGROUP_FUNCTION_REPLACE.</summary>
    public static string FunctionVariable(string step) => "MAXGROUP_FUNCTION_" + step.ToUpperInvariant();

    /// <summary>Reads MAXGROUP_FUNCTION_&lt;STEP&gt; for every remediation step; the default is `maxgroup-&lt;step&gt;`.</summary>
    public static IReadOnlyDictionary<string, string> FunctionNamesFromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string step in StepNames.Remediations)
        {
            string? configured = getVariable(FunctionVariable(step));
            names[step] = string.IsNullOrWhiteSpace(configured) ? "maxgroup-" + step : configured.Trim();
        }

        return names;
    }

    public static byte[] Serialize(RemediationRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, RemediationJsonContext.Default.RemediationRequest);

    public async Task StartAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_functionNames.TryGetValue(request.Step, out string? function))
        {
            throw new InvalidOperationException(
                $"No function is configured for step '{request.Step}' (known: {string.Join(", ", _functionNames.Keys)}).");
        }

        await _client.InvokeEventAsync(function, _serialize(request), cancellationToken).ConfigureAwait(false);
    }
}
