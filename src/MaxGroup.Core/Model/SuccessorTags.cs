namespace MaxGroup.Core.Model;

/// <summary>The tags MaxGroup puts on successors.</summary>
public static class SuccessorTags
{
    /// <summary>The original user-data mount script looks for this tag; the value is the group name.</summary>
    public const string Group = "spotmax:group";
    /// <summary>The interrupted instance a successor replaces: how a re-run finds it.</summary>
    public const string Replaces = "spotmax:replaces";
}
