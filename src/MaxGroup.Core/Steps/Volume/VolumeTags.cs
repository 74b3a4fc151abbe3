namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// The tags that hold a volume move's state on the volume itself, so that it shows in the EC2 console and every
/// trigger can resume it without the ledger.
/// </summary>
public static class VolumeTags
{
    public const string Prefix = "spotmax:";
    /// <summary>The Auto Scaling group the volume belongs to (same key the original's user-data script reads on instances).</summary>
    public const string Group = "spotmax:group";
    public const string Status = "spotmax:status";
    /// <summary>The interrupted instance the volume comes from.</summary>
    public const string SourceInstance = "spotmax:source-instance";
    /// <summary>Its device on the interrupted instance (persistence_dev).</summary>
    public const string SourceDevice = "spotmax:source-device";
    /// <summary>Its device on the successor (persistence_attach_as).</summary>
    public const string AttachAs = "spotmax:attach-as";
    /// <summary>persistence_cross_az: snapshot or wait.</summary>
    public const string CrossAz = "spotmax:cross-az";
    /// <summary>terminate, stop or hibernate.</summary>
    public const string InstanceAction = "spotmax:instance-action";
    /// <summary>The EventBridge id of the warning: names this move (snapshots carry it too).</summary>
    public const string InterruptionId = "spotmax:interruption-id";
    public const string InterruptionTime = "spotmax:interruption-time";
    public const string ReclaimAt = "spotmax:reclaim-at";
    /// <summary>The successor recorded by the replace step, when known.</summary>
    public const string Successor = "spotmax:successor";
    /// <summary>The instance a trigger claimed the volume (or its copy) for.</summary>
    public const string TargetInstance = "spotmax:target-instance";
    /// <summary>A random token written with the claim; the trigger that reads its own token back owns the move.</summary>
    public const string Claim = "spotmax:claim";
    public const string Snapshot = "spotmax:snapshot";
    /// <summary>On the original: the copy made in another AZ.</summary>
    public const string CopyVolume = "spotmax:copy-volume";
    /// <summary>On a copy (and its snapshot): the original volume.</summary>
    public const string SourceVolume = "spotmax:source-volume";
    /// <summary>The last reason the move could not progress (cleared with an empty value).</summary>
    public const string LastError = "spotmax:last-error";
    public const string UpdatedAt = "spotmax:updated-at";

    /// <summary>Values of <see cref="Status"/>.</summary>
    public static class Statuses
    {
        /// <summary>DeleteOnTermination is off; waiting for the volume to be released and a successor to run.</summary>
        public const string Pending = "pending";
        /// <summary>Claimed for <see cref="TargetInstance"/>; AttachVolume is being called.</summary>
        public const string Attaching = "attaching";
        /// <summary>Claimed for a successor in another AZ; a snapshot and a copy are being made.</summary>
        public const string Copying = "copying";
        /// <summary>Attached to the successor: the move is complete.</summary>
        public const string Attached = "attached";
        /// <summary>The original, kept after its copy was attached in another AZ. Never deleted by MaxGroup.</summary>
        public const string SourceKept = "source-kept";

        /// <summary>States of a move that is not finished: what the sweep looks for.</summary>
        public static readonly IReadOnlyList<string> Open = [Pending, Attaching, Copying];
    }
}
