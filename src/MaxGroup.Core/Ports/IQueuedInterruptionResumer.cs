namespace MaxGroup.Core.Ports;

/// <summary>Starts queued interruptions when slots are free; called when an in-flight interruption finishes.</summary>
public interface IQueuedInterruptionResumer
{
    /// <summary>Returns the instance ids that were started.</summary>
    Task<IReadOnlyList<string>> ResumeQueuedAsync(CancellationToken cancellationToken);
}
