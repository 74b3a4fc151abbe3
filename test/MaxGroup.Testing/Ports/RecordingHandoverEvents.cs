using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Testing.Observability;

namespace MaxGroup.Testing.Ports;

/// <summary>
/// <see cref="IHandoverEvents"/> that keeps every event published; <see cref="Failure"/> makes each publish throw it,
/// <see cref="Hang"/> makes each publish wait until its token fires (a bus that never answers).
/// </summary>
public sealed class RecordingHandoverEvents : IHandoverEvents
{
    public RecordList<(string DetailType, HandoverSummary Detail)> Published { get; } = new();

    public Exception? Failure { get; set; }

    public bool Hang { get; set; }

    public IReadOnlyList<string> DetailTypes => Published.Select(p => p.DetailType).ToList();

    public async Task PublishAsync(string detailType, HandoverSummary detail, CancellationToken cancellationToken)
    {
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (Failure is not null)
        {
            throw Failure;
        }

        Published.Add((detailType, detail));
    }
}
