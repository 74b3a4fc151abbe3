using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// The one place that reads EC2's AttachVolume errors: their code (and, where EC2 has no code of its own for it, the
/// fixed wording of its message) becomes a <see cref="SuccessorRejectionKind"/>, so the move decides on a kind.
/// </summary>
public static class AttachErrors
{
    public static SuccessorRejectionKind Classify(RemoteApiException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.ErrorCode switch
        {
            "VolumeInUse" => SuccessorRejectionKind.VolumeInUse,
            "IncorrectState" => SuccessorRejectionKind.IncorrectState,
            "IncorrectInstanceState" => SuccessorRejectionKind.NotRunning,
            "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed" => SuccessorRejectionKind.NotFound,
            "InvalidVolume.ZoneMismatch" => SuccessorRejectionKind.OtherZone,
            // EC2 reports a taken device as a bad parameter: "Invalid value '/dev/sdf' for unixDevice. Attachment point
            // /dev/sdf is already in use". Only that wording tells it from other bad parameters.
            "InvalidParameterValue" when IsAttachmentPointInUse(error.Message) => SuccessorRejectionKind.DeviceInUse,
            _ => SuccessorRejectionKind.AttachRefused,
        };
    }

    /// <summary>The refusal as a rejection of <paramref name="instanceId"/>, with EC2's code and message kept for people.</summary>
    public static SuccessorRejection ToRejection(RemoteApiException error, string volumeId, string instanceId, string device)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new SuccessorRejection(
            Classify(error),
            $"AttachVolume of {volumeId} to {instanceId} as {device} failed: {error.ErrorCode}: {error.Message}");
    }

    private static bool IsAttachmentPointInUse(string message) =>
        message.Contains("Attachment point", StringComparison.OrdinalIgnoreCase)
        && message.Contains("already in use", StringComparison.OrdinalIgnoreCase);
}
