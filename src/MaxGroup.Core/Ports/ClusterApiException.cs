namespace MaxGroup.Core.Ports;

/// <summary>
/// A cluster's API server answered a drain call with an error that ends the drain (authentication, authorization,
/// an unexpected answer). The message reads "403 Forbidden: message from the server's Status body".
/// </summary>
public sealed class ClusterApiException : Exception
{
    public ClusterApiException(string message, int statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    public ClusterApiException()
    {
    }

    public ClusterApiException(string message)
        : base(message)
    {
    }

    public ClusterApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status the API server answered.</summary>
    public int StatusCode { get; }
}
