using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>
/// One eviction through the Eviction API, its answer sorted for the drain: accepted, gone (404), blocked by a
/// PodDisruptionBudget (429), worth retrying (5xx, dropped connection, timeout) or refused for good. Also turns the
/// Status body of an error answer into the text the drain reports.
/// </summary>
public sealed class PodEvictor(IKubernetes client)
{
    private readonly IKubernetes _client = client ?? throw new ArgumentNullException(nameof(client));

    public async Task<PodEviction> EvictAsync(DrainPod pod, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var eviction = new V1Eviction
        {
            ApiVersion = "policy/v1",
            Kind = "Eviction",
            Metadata = new V1ObjectMeta { Name = pod.Name, NamespaceProperty = pod.Namespace },
            DeleteOptions = new V1DeleteOptions { GracePeriodSeconds = gracePeriodSeconds },
        };
        try
        {
            await _client.CoreV1.CreateNamespacedPodEvictionAsync(eviction, pod.Name, pod.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return PodEviction.Accepted;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return PodEviction.Gone;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new PodEviction(PodEvictionKind.Blocked, StatusMessage(ex));
        }
        catch (HttpOperationException ex) when ((int)ex.Response.StatusCode >= 500)
        {
            return new PodEviction(PodEvictionKind.Retry, Describe(ex));
        }
        catch (HttpOperationException ex)
        {
            return new PodEviction(PodEvictionKind.Refused, Describe(ex));
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new PodEviction(PodEvictionKind.Retry, ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PodEviction(PodEvictionKind.Retry, "the eviction request timed out");
        }
    }

    /// <summary>"403 Forbidden: message" from the Status body the API server sends with an error.</summary>
    public static string Describe(HttpOperationException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        int code = (int)ex.Response.StatusCode;
        return $"{code.ToString(CultureInfo.InvariantCulture)} {ex.Response.ReasonPhrase}: {StatusMessage(ex)}";
    }

    /// <summary>The error answer as the drain's port speaks it.</summary>
    public static ClusterApiException Translate(HttpOperationException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return new ClusterApiException(Describe(ex), (int)ex.Response.StatusCode, ex);
    }

    private static string StatusMessage(HttpOperationException ex)
    {
        string? content = ex.Response?.Content;
        if (!string.IsNullOrEmpty(content))
        {
            try
            {
                using var document = JsonDocument.Parse(content);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out JsonElement message))
                {
                    return message.GetString() ?? "";
                }
            }
            catch (JsonException)
            {
            }
        }

        return ex.Message;
    }
}
