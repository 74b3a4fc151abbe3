namespace MaxGroup.Core.Model;

/// <summary>Where a pre-warm stands in the ledger.</summary>
public enum PrewarmStatus
{
    /// <summary>Taken by one dispatcher invocation; the successor is being launched.</summary>
    Claimed,
    /// <summary>The successor runs outside the group, waiting for a warning that may never come.</summary>
    Launched,
    /// <summary>A later interruption warning made the replace step adopt the successor.</summary>
    Reused,
    /// <summary>No warning followed (or the at-risk instance left otherwise): the successor was terminated.</summary>
    Released,
}
