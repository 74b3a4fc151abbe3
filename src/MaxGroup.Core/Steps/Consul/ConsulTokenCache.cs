using System.Collections.Concurrent;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Consul;

/// <summary>
/// The Consul ACL tokens read from SSM, by parameter name, kept for the execution environment's life; a token
/// Consul no longer accepts is read again once (rotation). Never logs a value.
/// </summary>
public sealed class ConsulTokenCache(ISecureParameterReader secrets)
{
    private readonly ISecureParameterReader _secrets = secrets ?? throw new ArgumentNullException(nameof(secrets));
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    /// <summary>The token in <paramref name="parameter"/>: the cached one, or (first time, or <paramref name="refresh"/>) read again.</summary>
    public async Task<string> GetAsync(string parameter, bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && _tokens.TryGetValue(parameter, out string? cached))
        {
            return cached;
        }

        string token = await _secrets.GetSecureStringAsync(parameter, cancellationToken).ConfigureAwait(false);
        _tokens[parameter] = token;
        return token;
    }
}
