namespace MaxGroup.Core.Ports;

/// <summary>Reads a secret (an SSM SecureString, decrypted) by name. Implementations never log the value.</summary>
public interface ISecureParameterReader
{
    /// <summary>
    /// Returns the decrypted value of the parameter <paramref name="name"/>. Failures surface as
    /// <see cref="RemoteApiException"/> (for example ParameterNotFound, AccessDeniedException).
    /// </summary>
    Task<string> GetSecureStringAsync(string name, CancellationToken cancellationToken);
}
