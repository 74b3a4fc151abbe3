using System.Text.Json;
using MaxGroup.Core.Preaction;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// The scheduled preaction function: each run advances every enabled group's batch by the steps that are due, or
/// plans and starts a new one. Input: the EventBridge Scheduled Event, or `{"dryRun": true, "groups": ["name"]}`
/// from `maxgroup invoke preaction` to list the plan without changing anything.
/// </summary>
public sealed class PreactionHandler : IFunctionHandler
{
    private static readonly TimeSpan ResponseMargin = TimeSpan.FromSeconds(1);

    private readonly PreactionService _service;
    private readonly bool _forceDryRun;
    private readonly ILogger _logger;

    /// <summary><paramref name="forceDryRun"/>: MAXGROUP_DRY_RUN or the CLI's --dry-run.</summary>
    public PreactionHandler(PreactionService service, bool forceDryRun, ILogger logger)
    {
        _service = service;
        _forceDryRun = forceDryRun;
        _logger = logger;
    }

    public string Name => HandlerNames.Preaction;

    public async Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        (bool dryRun, IReadOnlyList<string> groups) = ReadInput(input);
        using CancellationTokenSource deadline = LambdaDeadline.CancelBefore(context, ResponseMargin, cancellationToken);
        PreactionRunReport report = await _service.RunAsync(dryRun || _forceDryRun, groups, deadline.Token);
        _logger.LogInformation(
            "preaction run (dry run {DryRun}): {Groups}",
            report.DryRun,
            string.Join("; ", report.Groups.Select(g => $"{g.GroupName} {g.Status}")));
        return JsonSerializer.Serialize(report, PreactionJsonContext.Default.PreactionRunReport);
    }

    /// <summary>Dry run and group filter from a manual invocation; a Scheduled Event (or anything else) means a full run.</summary>
    public static (bool DryRun, IReadOnlyList<string> Groups) ReadInput(string input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return (false, []);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(input);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (false, []);
            }

            bool dryRun = root.TryGetProperty("dryRun", out JsonElement dry) && dry.ValueKind == JsonValueKind.True;
            List<string> groups = root.TryGetProperty("groups", out JsonElement list) && list.ValueKind == JsonValueKind.Array
                ? [.. list.EnumerateArray().Where(g => g.ValueKind == JsonValueKind.String).Select(g => g.GetString()!)]
                : [];
            return (dryRun, groups);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"preaction input is not JSON: {ex.Message}", ex);
        }
    }
}
