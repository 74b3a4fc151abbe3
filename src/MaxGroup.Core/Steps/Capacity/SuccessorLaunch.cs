using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>
/// "Launch the first candidate with capacity", for replace, preaction and pre-warm: each candidate in order, the next
/// one on a capacity error (<see cref="CapacityErrors"/>); any other error reaches the caller.
/// </summary>
public sealed class SuccessorLaunch(ISuccessorLauncher launcher, ILogger logger)
{
    public async Task<SuccessorLaunchResult> LaunchAsync(SuccessorLaunchRequest request, CapacityCalls calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(calls);
        var attempts = new List<LaunchAttempt>();
        for (int index = 0; index < request.Candidates.Count; index++)
        {
            LaunchCandidate candidate = request.Candidates[index];
            var spec = new SuccessorLaunchSpec
            {
                LaunchTemplate = request.LaunchTemplate,
                Candidate = candidate,
                SubnetId = request.SubnetId,
                AvailabilityZone = request.AvailabilityZone,
                Tags = request.Tags,
                ClientToken = request.ClientToken(index),
            };
            try
            {
                string id = await calls.RunAsync(ct => launcher.LaunchAsync(spec, ct), cancellationToken);
                attempts.Add(new LaunchAttempt(candidate, id, null));
                return new SuccessorLaunchResult { InstanceId = id, Used = candidate, Attempts = attempts };
            }
            catch (RemoteApiException ex) when (CapacityErrors.IsCapacityError(ex.ErrorCode))
            {
                logger.LogWarning("No capacity for {Candidate}: {ErrorCode}; trying the next candidate", candidate.ToString(), ex.ErrorCode);
                attempts.Add(new LaunchAttempt(candidate, null, ex.ErrorCode));
            }
        }

        return new SuccessorLaunchResult { Attempts = attempts };
    }
}
