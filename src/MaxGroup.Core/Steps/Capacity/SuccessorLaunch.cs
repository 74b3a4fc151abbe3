using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>
/// "Launch the first candidate with capacity", for replace, preaction and pre-warm. A launcher that is also an
/// <see cref="IFleetLauncher"/> is asked once per market block through it (<see cref="CapacityAwareLaunch"/>); when
/// CreateFleet is refused, or the launcher has none, each candidate in order through RunInstances, the next one on a
/// capacity error (<see cref="CapacityErrors"/>); any other error reaches the caller.
/// </summary>
public sealed class SuccessorLaunch(ISuccessorLauncher launcher, ILogger logger)
{
    public async Task<SuccessorLaunchResult> LaunchAsync(SuccessorLaunchRequest request, CapacityCalls calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(calls);
        string? refusal = null;
        if (launcher is IFleetLauncher fleet && request.Candidates.Count > 0)
        {
            try
            {
                return await new CapacityAwareLaunch(fleet, logger).LaunchAsync(request, calls, cancellationToken);
            }
            catch (RemoteApiException ex) when (CapacityAwareLaunch.IsRefusal(ex))
            {
                // Not permitted (an older role), not served (an emulator), or a request EC2 will not take: the serial
                // path still gets a successor. An ambiguous answer (retryable) is not a refusal: a fleet may have launched.
                logger.LogWarning("CreateFleet refused ({ErrorCode}): launching through RunInstances", ex.ErrorCode);
                refusal = ex.ErrorCode;
            }
        }

        SuccessorLaunchResult serial = await SerialAsync(request, calls, cancellationToken);
        return serial with { FleetRefusal = refusal };
    }

    private async Task<SuccessorLaunchResult> SerialAsync(SuccessorLaunchRequest request, CapacityCalls calls, CancellationToken cancellationToken)
    {
        var attempts = new List<LaunchAttempt>();
        IReadOnlyList<LaunchCandidate> candidates = CapacityAwareLaunch.WithoutBannedSpot(request);
        for (int index = 0; index < candidates.Count; index++)
        {
            LaunchCandidate candidate = candidates[index];
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
                return new SuccessorLaunchResult { InstanceId = id, Used = candidate, Attempts = attempts, Calls = attempts.Count };
            }
            catch (RemoteApiException ex) when (CapacityErrors.IsCapacityError(ex.ErrorCode))
            {
                logger.LogWarning("No capacity for {Candidate}: {ErrorCode}; trying the next candidate", candidate.ToString(), ex.ErrorCode);
                attempts.Add(new LaunchAttempt(candidate, null, ex.ErrorCode));
            }
        }

        return new SuccessorLaunchResult { Attempts = attempts, Calls = attempts.Count };
    }
}
