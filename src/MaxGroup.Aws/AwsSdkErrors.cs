using Amazon.Runtime;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws;

/// <summary>
/// Translates AWSSDK exceptions into <see cref="RemoteApiException"/> so that adapters built on the SDK clients
/// report errors the same way as the signed clients, and Core never sees an SDK type.
/// </summary>
public static class AwsSdkErrors
{
    /// <summary>The service's error code and HTTP status; "Http" + status when the SDK found no code.</summary>
    public static RemoteApiException ToRemoteApiException(this AmazonServiceException exception, string service)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentException.ThrowIfNullOrEmpty(service);
        int status = (int)exception.StatusCode;
        string code = string.IsNullOrWhiteSpace(exception.ErrorCode)
            ? "Http" + status.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : exception.ErrorCode;
        return new RemoteApiException(service, code, exception.Message, status, exception);
    }

    /// <summary>Runs an SDK call and rethrows its service errors as <see cref="RemoteApiException"/>.</summary>
    public static async Task<T> CallAsync<T>(string service, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            throw ex.ToRemoteApiException(service);
        }
    }
}
