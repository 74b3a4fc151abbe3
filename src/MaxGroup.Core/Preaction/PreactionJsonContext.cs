using System.Text.Json.Serialization;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Preaction;

/// <summary>Source-generated JSON (Native AOT) for the stored batch and the run report; camelCase, enums as strings.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    IgnoreReadOnlyProperties = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PreactionBatch))]
[JsonSerializable(typeof(PreactionRunReport))]
public sealed partial class PreactionJsonContext : JsonSerializerContext
{
}
