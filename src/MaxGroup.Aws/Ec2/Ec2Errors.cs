using Amazon.EC2;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ec2;

/// <summary>Turns EC2 SDK exceptions into <see cref="RemoteApiException"/> with EC2's error code, so Core decides on codes.</summary>
internal static class Ec2Errors
{
    public static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonEC2Exception ex)
        {
            throw new RemoteApiException("ec2", ex.ErrorCode ?? "Unknown", ex.Message, (int)ex.StatusCode, ex);
        }
        catch (HttpRequestException ex)
        {
            // No answer at all: retryable (status 0).
            throw new RemoteApiException("ec2", "NoResponse", ex.Message, 0, ex);
        }
    }

    public static bool IsNotFound(RemoteApiException ex) =>
        ex.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed";
}
