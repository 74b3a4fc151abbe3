using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ssm;

/// <summary>Reads SecureString parameters from SSM Parameter Store (GetParameter with decryption). Client: <see cref="AwsClientFactory.Ssm"/>.</summary>
public sealed class SsmSecureParameterReader(IAmazonSimpleSystemsManagement ssm) : ISecureParameterReader
{
    private readonly IAmazonSimpleSystemsManagement _ssm = ssm ?? throw new ArgumentNullException(nameof(ssm));

    public async Task<string> GetSecureStringAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        try
        {
            GetParameterResponse response = await _ssm.GetParameterAsync(
                new GetParameterRequest { Name = name, WithDecryption = true }, cancellationToken);
            string? value = response.Parameter?.Value;
            if (string.IsNullOrEmpty(value))
            {
                throw new RemoteApiException("ssm", "EmptyParameter", $"parameter '{name}' has no value", 200);
            }

            return value;
        }
        catch (AmazonServiceException ex)
        {
            // The SDK's message names the parameter at most, never its value; keep the code for decisions.
            throw new RemoteApiException("ssm", ex.ErrorCode ?? ex.GetType().Name, $"GetParameter '{name}' failed: {ex.Message}", (int)ex.StatusCode, ex);
        }
        catch (AmazonClientException ex)
        {
            throw new RemoteApiException("ssm", "ClientError", $"GetParameter '{name}' failed: {ex.Message}", 0, ex);
        }
    }
}
