using MaxGroup.Core.Remediation;

namespace MaxGroup.Functions.Dispatch;

/// <summary>The function (name or ARN) behind each remediation step: MAXGROUP_FUNCTION_REPLACE, _VOLUME, _DRAIN, _CONSUL.</summary>
public sealed class RemediationFunctionNames
{
    private readonly IReadOnlyDictionary<string, string> _names;

    public RemediationFunctionNames(IReadOnlyDictionary<string, string> names)
    {
        _names = names;
    }

    public static RemediationFunctionNames FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return new RemediationFunctionNames(StepNames.Remediations.ToDictionary(
            step => step,
            step => getVariable($"MAXGROUP_FUNCTION_{step.ToUpperInvariant()}") is { Length: > 0 } name ? name : $"maxgroup-{step}",
            StringComparer.Ordinal));
    }

    public string For(string step) =>
        _names.TryGetValue(step, out string? name) ? name : throw new InvalidOperationException($"no function configured for step \"{step}\"");
}
