using System.Buffers;
using System.Text;
using System.Text.Json;
using MaxGroup.Core.Events;
using MaxGroup.Functions.Composition;
using MaxGroup.Functions.Observability;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// TEMPORARY (issue 2): stands in for the dispatcher until the real one lands. It validates the event with
/// <see cref="EventParser"/> (a malformed event fails the invocation naming the field) and answers
/// {"status":"no-op","reason":...} without touching AWS. Delete it when the real dispatcher is registered.
/// </summary>
public sealed class PlaceholderDispatcherHandler : IFunctionHandler
{
    private readonly ILogger<PlaceholderDispatcherHandler> _logger;

    public PlaceholderDispatcherHandler(ILogger<PlaceholderDispatcherHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    public string Name => HandlerNames.Dispatcher;

    public Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        MaxGroupEvent parsed = EventParser.Parse(input);
        string reason = $"dispatcher not implemented yet: {parsed.DetailType} {parsed.Id} parsed and ignored";
        _logger.LogInformation("No-op for event {EventId} ({DetailType})", parsed.Id, parsed.DetailType);
        return Task.FromResult(NoOp(reason));
    }

    private static string NoOp(string reason)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, JsonLines.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("status", "no-op");
            writer.WriteString("reason", reason);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
