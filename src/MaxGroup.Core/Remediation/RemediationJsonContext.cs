using System.Text.Json.Serialization;

namespace MaxGroup.Core.Remediation;

/// <summary>
/// Source-generated JSON for the payload the dispatcher sends each remediation function (AOT-safe, no reflection).
/// Both sides (the Lambda Invoke adapter and the remediation handler) must use this context.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    IgnoreReadOnlyProperties = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RemediationRequest))]
public sealed partial class RemediationJsonContext : JsonSerializerContext;
