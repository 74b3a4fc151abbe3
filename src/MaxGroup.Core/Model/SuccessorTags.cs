namespace MaxGroup.Core.Model;

/// <summary>The tags MaxGroup puts on successors.</summary>
public static class SuccessorTags
{
    /// <summary>The original user-data mount script looks for this tag; the value is the group name.</summary>
    public const string Group = "spotmax:group";
    /// <summary>The interrupted instance a successor replaces: how a re-run finds it.</summary>
    public const string Replaces = "spotmax:replaces";
    /// <summary>The scaling activity whose failed launch a backfill successor stands in for.</summary>
    public const string Backfill = "spotmax:backfill";
}
