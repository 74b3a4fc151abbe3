namespace MaxGroup.Core.Model;

/// <summary>
/// The EC2 Spot Instance Advisor data: per region and instance type, the interruption-frequency bucket (0 = &lt;5%,
/// 1 = 5-10%, 2 = 10-15%, 3 = 15-20%, 4 = &gt;20%) and the savings over On-Demand. Only the operating system MaxGroup
/// asks for is kept (Linux by default).
/// </summary>
public sealed class SpotAdvisorData
{
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, SpotAdvisorEntry>> _regions;

    public SpotAdvisorData(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, SpotAdvisorEntry>> regions,
        IReadOnlyDictionary<int, string> bucketLabels,
        string origin,
        bool isFallback = false)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(bucketLabels);
        _regions = regions;
        BucketLabels = bucketLabels;
        Origin = origin;
        IsFallback = isFallback;
    }

    /// <summary>True for the trimmed snapshot shipped in the repository, used only when the download fails.</summary>
    public bool IsFallback { get; }

    /// <summary>Bucket index → label from the data's own `ranges` (e.g. 2 → "10-15%").</summary>
    public IReadOnlyDictionary<int, string> BucketLabels { get; }

    /// <summary>Where the data came from: the download URL, or the trimmed snapshot used as the fallback.</summary>
    public string Origin { get; }

    public IEnumerable<string> Regions => _regions.Keys;

    /// <summary>The entry of <paramref name="instanceType"/> in <paramref name="region"/>, or null when the advisor does not rate it there.</summary>
    public SpotAdvisorEntry? Find(string region, string instanceType) =>
        _regions.TryGetValue(region, out IReadOnlyDictionary<string, SpotAdvisorEntry>? types) && types.TryGetValue(instanceType, out SpotAdvisorEntry? entry)
            ? entry
            : null;

    /// <summary>The label of a bucket ("&gt;20%"), or the index when the data has no label for it.</summary>
    public string Label(int bucket) =>
        BucketLabels.TryGetValue(bucket, out string? label) ? label : bucket.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A copy that names another origin (the fallback says it is one).</summary>
    public SpotAdvisorData WithOrigin(string origin, bool isFallback) => new(_regions, BucketLabels, origin, isFallback);
}

/// <summary>One instance type in one region: interruption bucket `r` (0..4) and savings `s` (percent).</summary>
public sealed record SpotAdvisorEntry(int InterruptionBucket, int SavingsPercent);
