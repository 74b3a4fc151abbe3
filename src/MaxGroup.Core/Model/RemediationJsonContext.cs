using System.Text.Json.Serialization;

namespace MaxGroup.Core.Model;

/// <summary>
/// Source-generated JSON for the payloads between functions (Native AOT: no reflection). camelCase names,
/// enums as strings, so a payload reads well in logs and in `maxgroup invoke`. Computed read-only members
/// (such as GroupConfig.EffectiveStrategy) are derived again on the receiving side, not sent.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    IgnoreReadOnlyProperties = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RemediationRequest))]
[JsonSerializable(typeof(StepOutcome))]
[JsonSerializable(typeof(DispatchResult))]
[JsonSerializable(typeof(TerminatedNodeRequest))]
public sealed partial class RemediationJsonContext : JsonSerializerContext
{
}
