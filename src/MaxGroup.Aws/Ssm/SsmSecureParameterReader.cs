using Amazon;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ssm;

/// <summary>Reads SecureString parameters from SSM Parameter Store (GetParameter with decryption).</summary>
public sealed class SsmSecureParameterReader : ISecureParameterReader
{
    private readonly IAmazonSimpleSystemsManagement _ssm;

    public SsmSecureParameterReader(IAmazonSimpleSystemsManagement ssm)
    {
        ArgumentNullException.ThrowIfNull(ssm);
        _ssm = ssm;
    }

    /// <summary>
    /// An SSM client for the environment: region from AWS_REGION / AWS_DEFAULT_REGION, endpoint from
    /// AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL when set (moto in tests). Until the central client factory lands,
    /// the composition root can use this.
    /// </summary>
    public static IAmazonSimpleSystemsManagement CreateDefaultClient()
    {
        var config = new AmazonSimpleSystemsManagementConfig();
        string? region = Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (!string.IsNullOrWhiteSpace(region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        string? endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_SSM") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            // ServiceURL replaces the regional endpoint; the region still scopes the signature.
            config.ServiceURL = endpoint;
            if (!string.IsNullOrWhiteSpace(region))
            {
                config.AuthenticationRegion = region;
            }
        }

        return new AmazonSimpleSystemsManagementClient(config);
    }

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
