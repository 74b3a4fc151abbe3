using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Where the Spot Instance Advisor data comes from (the public JSON over HTTPS, with a trimmed fallback).</summary>
public interface ISpotAdvisorSource
{
    /// <summary>The current data. Never fails for a download problem when a fallback exists; <see cref="SpotAdvisorData.Origin"/> says which was used.</summary>
    Task<SpotAdvisorData> GetAsync(CancellationToken cancellationToken);
}
