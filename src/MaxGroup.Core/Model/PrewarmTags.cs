namespace MaxGroup.Core.Model;

/// <summary>The tag that marks a successor launched on a rebalance recommendation (besides spotmax:replaces).</summary>
public static class PrewarmTags
{
    /// <summary>ISO-8601 UTC time after which an unused pre-warmed successor is released; IAM lets MaxGroup terminate only instances with it.</summary>
    public const string KeepUntil = "spotmax:prewarm-until";
}
