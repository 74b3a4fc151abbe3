using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Consul;

/// <summary>
/// The "consul" step: after the configured delay, deregisters every service of the doomed instance's Consul agent,
/// makes the agent leave and verifies it; when the agent cannot be reached, deregisters the node through a Consul
/// server instead (catalog deregister + force-leave with prune). The ACL token never leaves the step and its registry.
/// </summary>
public sealed class ConsulDeregistrationStep : IRemediationStep
{
    /// <summary>Retries in a row after the agent, having answered earlier in the run, drops a connection; then the server fallback.</summary>
    public const int MaxUnreachableRetries = 2;

    private readonly IServiceRegistry _consul;
    private readonly ConsulTokenCache _tokens;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConsulStepOptions _options;

    /// <param name="registry">The Consul HTTP API (MaxGroup.Consul's client in Lambda).</param>
    /// <param name="secrets">Reads the ACL token (SSM SecureString named by consul_token_parameter).</param>
    /// <param name="clock">Time source for the delay, the deadline and the retries.</param>
    /// <param name="logger">Logger; never receives the token.</param>
    /// <param name="options">Timing knobs; defaults when null.</param>
    public ConsulDeregistrationStep(IServiceRegistry registry, ISecureParameterReader secrets, TimeProvider clock, ILogger<ConsulDeregistrationStep> logger, ConsulStepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options ?? new ConsulStepOptions();
        _consul = registry;
        // One step instance lives per execution environment, so the cache keeps each token for the environment's life.
        _tokens = new ConsulTokenCache(secrets);
        _clock = clock;
        _logger = logger;
    }

    public string Name => StepNames.Consul;

    /// <summary>The agent dies with the instance: its deregistration is pointless after the reclaim.</summary>
    public bool EndsAtReclaim(RemediationRequest request) => true;

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        GroupConfig config = request.Config;
        if (!config.HasConsulStep)
        {
            return StepOutcome.NoOp("consul_port is not set: Consul deregistration is off for this group");
        }

        Uri? agent = ConsulAddress.TryBuildAgentUri(config, request.Instance, out string? addressError);
        if (agent is null)
        {
            return StepOutcome.Failed($"cannot form the Consul agent address: {addressError}");
        }

        Uri? server = ConsulAddress.TryBuildServerUri(config, out string? serverError);
        if (serverError is not null)
        {
            return StepOutcome.Failed($"cannot form the Consul server address: {serverError}");
        }

        var run = new ConsulRun(request, agent, server, string.IsNullOrWhiteSpace(config.ConsulTokenParameter) ? null : config.ConsulTokenParameter.Trim());
        run.Details["agent_address"] = agent.Authority;
        if (_clock.GetUtcNow() >= request.ReclaimAt)
        {
            return StepOutcome.Skipped("the reclaim time had passed before the Consul step started");
        }

        try
        {
            return await RunCoreAsync(run, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Consul step for {InstanceId} stopped at the deadline", request.Instance.InstanceId);
            if (run.Deregistered.Count == 0 && !run.LeaveDone)
            {
                return StepOutcome.Skipped("the deadline was reached before Consul deregistration could run");
            }

            return StepOutcome.Failed("the deadline was reached before the Consul deregistration was verified", run.FinalDetails());
        }
    }

    private async Task<StepOutcome> RunCoreAsync(ConsulRun run, CancellationToken cancellationToken)
    {
        RemediationRequest request = run.Request;
        if (run.Parameter is not null)
        {
            try
            {
                run.Token = await _tokens.GetAsync(run.Parameter, refresh: false, cancellationToken);
            }
            catch (RemoteApiException ex)
            {
                _logger.LogError("Cannot read the Consul ACL token parameter {Parameter}: {ErrorCode}", run.Parameter, ex.ErrorCode);
                return StepOutcome.Failed($"cannot read the Consul ACL token from SSM parameter '{run.Parameter}': {ex.ErrorCode}", run.Details);
            }
        }

        // Ask the agent for its node name now: if it is gone after the delay, the server fallback needs it.
        try
        {
            run.Self = await _consul.GetAgentSelfAsync(run.Agent, run.Token, request.ReclaimAt, cancellationToken);
            run.Details["node"] = run.Self.NodeName;
        }
        catch (RemoteApiException ex) when (ex.StatusCode == 403 && ex.ErrorCode != "PermissionDenied")
        {
            // An unknown token fails every later call too: stop now (after one re-read in case it was rotated).
            if (await RefreshTokenAsync(run, cancellationToken))
            {
                return await RunCoreAsync(run, cancellationToken);
            }

            return AclFailure(run, ex);
        }
        catch (RemoteApiException ex)
        {
            // Self info is a convenience (node name for the fallback); a token without agent:read may still deregister.
            _logger.LogWarning("Consul agent {Agent} self info unavailable before the delay: {Error}", run.Agent.Authority, ex.Message);
        }

        int configured = request.Config.SdDelayDetachSecs ?? request.Config.DetachingDelaySeconds;
        ConsulDelayPlan plan = ConsulDelayPlan.Compute(configured, _clock.GetUtcNow(), request.ReclaimAt, _options.WorkReserve);
        run.Details["delay_seconds"] = Seconds(plan.Delay);
        if (plan.Shortened)
        {
            run.Details["delay_configured_seconds"] = Seconds(plan.Configured);
            run.Notes.Add($"delay shortened from {Seconds(plan.Configured)} s to {Seconds(plan.Delay)} s to finish before reclaim");
        }

        // Dry run changes nothing, so waiting would only spend the function's time: it reports the planned delay.
        if (!run.DryRun && plan.Delay > TimeSpan.Zero)
        {
            _logger.LogInformation("Consul step for {InstanceId} waits {DelaySeconds} s before deregistration", request.Instance.InstanceId, Seconds(plan.Delay));
            await Task.Delay(plan.Delay, _clock, cancellationToken);
        }

        return await DeregisterThroughAgentAsync(run, cancellationToken);
    }

    private async Task<StepOutcome> DeregisterThroughAgentAsync(ConsulRun run, CancellationToken cancellationToken)
    {
        RemediationRequest request = run.Request;
        while (true)
        {
            run.Attempts++;
            IReadOnlyList<string> ids;
            try
            {
                ids = await _consul.GetAgentServiceIdsAsync(run.Agent, run.Token, request.ReclaimAt, cancellationToken);
                run.AgentAnswered = true;
                // The budget is for consecutive silences: an agent that answers again is alive.
                run.UnreachableRetries = 0;
                if (run.LeaveDone)
                {
                    if (ids.Count == 0)
                    {
                        return Verified(run, "services deregistered and the agent left; its service list is empty");
                    }

                    // Something registered again (a sidecar, a config reload): deregister again while time is left.
                    _logger.LogWarning("Consul agent {Agent} still lists {Count} service(s) after leave: {ServiceIds}", run.Agent.Authority, ids.Count, string.Join(',', ids));
                    run.Details["reregistered"] = string.Join(',', ids);
                    if (!CanRetry(request))
                    {
                        return StepOutcome.Failed("the Consul agent still lists services and no time is left to retry before reclaim", run.FinalDetails());
                    }

                    await Task.Delay(_options.RetryInterval, _clock, cancellationToken);
                }

                if (run.DryRun)
                {
                    run.Details["would_deregister"] = string.Join(',', ids);
                    return new StepOutcome
                    {
                        Status = StepStatus.NoOp,
                        Reason = $"dry run: would deregister {ids.Count} service(s) from the agent at {run.Agent.Authority} and make it leave",
                        Details = run.FinalDetails(),
                    };
                }

                foreach (string id in ids)
                {
                    bool removed = await _consul.DeregisterServiceAsync(run.Agent, id, run.Token, request.ReclaimAt, cancellationToken);
                    run.Record(id);
                    _logger.LogInformation("Consul service {ServiceId} of {InstanceId} deregistered (was registered: {Removed})", id, request.Instance.InstanceId, removed);
                }

                await _consul.LeaveAsync(run.Agent, run.Token, request.ReclaimAt, cancellationToken);
                run.LeaveDone = true;
                _logger.LogInformation("Consul agent {Agent} of {InstanceId} asked to leave", run.Agent.Authority, request.Instance.InstanceId);
            }
            catch (RemoteApiException ex) when (ex.StatusCode == 403)
            {
                if (await RefreshTokenAsync(run, cancellationToken))
                {
                    continue;
                }

                return AclFailure(run, ex);
            }
            catch (RemoteApiException ex) when (ServiceRegistryErrors.IsUnreachable(ex))
            {
                if (run.LeaveDone)
                {
                    // A real agent shuts down after a graceful leave: silence after leave is the success signal.
                    return Verified(run, "services deregistered and the agent left (it no longer answers)");
                }

                // An agent that answered in this run and then drops one connection is not gone: a reset or a timeout
                // mid-call is transient (and every call here is idempotent), so try it again before giving up on it.
                if ((run.AgentAnswered || run.Self is not null) && run.UnreachableRetries < MaxUnreachableRetries && CanRetry(request))
                {
                    run.UnreachableRetries++;
                    _logger.LogWarning("Consul agent {Agent} of {InstanceId} did not answer ({Error}); retry {Retry} of {MaxRetries}",
                        run.Agent.Authority, request.Instance.InstanceId, ex.ErrorCode, run.UnreachableRetries, MaxUnreachableRetries);
                    await Task.Delay(_options.RetryInterval, _clock, cancellationToken);
                    continue;
                }

                _logger.LogWarning("Consul agent {Agent} of {InstanceId} is unreachable: {Error}", run.Agent.Authority, request.Instance.InstanceId, ex.Message);
                run.Details["agent_error"] = ex.ErrorCode;
                return await DeregisterThroughServerAsync(run, cancellationToken);
            }
            catch (RemoteApiException ex)
            {
                _logger.LogWarning("Consul agent {Agent} answered an error: {Error}", run.Agent.Authority, ex.Message);
                run.Details["last_error"] = ex.ErrorCode;
                if (ex.ErrorCode == ServiceRegistryErrors.DeadlineReached)
                {
                    return StepOutcome.Failed("the reclaim deadline was reached before the Consul deregistration was verified", run.FinalDetails());
                }

                // 429: the agent's own rate limit (limits.http_max_conns_per_client, RPC rate limiting): back off and retry.
                if (!(ex.IsRetryable || ex.StatusCode == 429) || !CanRetry(request))
                {
                    return StepOutcome.Failed($"Consul agent at {run.Agent.Authority} failed: {ex.Message}", run.FinalDetails());
                }

                await Task.Delay(_options.RetryInterval, _clock, cancellationToken);
                continue;
            }

            // Verification happens at the top of the loop; a service that came back is deregistered again.
        }
    }

    private async Task<StepOutcome> DeregisterThroughServerAsync(ConsulRun run, CancellationToken cancellationToken)
    {
        RemediationRequest request = run.Request;
        if (run.Server is null)
        {
            return StepOutcome.Failed(
                $"Consul agent at {run.Agent.Authority} is unreachable and no consul_server_address is configured to deregister the node",
                run.FinalDetails());
        }

        string? node = run.Self?.NodeName ?? ConsulAddress.ShortNodeName(request.Instance.PrivateDnsName);
        if (node is null)
        {
            return StepOutcome.Failed("Consul agent is unreachable and the node name is unknown (no agent self info, no private DNS name)", run.FinalDetails());
        }

        string? datacenter = string.IsNullOrWhiteSpace(request.Config.ConsulDatacenter) ? run.Self?.Datacenter : request.Config.ConsulDatacenter.Trim();
        run.Details["fallback"] = "server";
        run.Details["server_address"] = run.Server.Authority;
        run.Details["node"] = node;
        run.Details["node_name_source"] = run.Self is null ? "private_dns" : "agent_self";
        if (datacenter is not null)
        {
            run.Details["datacenter"] = datacenter;
        }

        try
        {
            IReadOnlyList<string> ids = await _consul.GetCatalogNodeServiceIdsAsync(run.Server, node, datacenter, run.Token, request.ReclaimAt, cancellationToken);
            if (run.DryRun)
            {
                run.Details["would_deregister"] = string.Join(',', ids);
                return new StepOutcome
                {
                    Status = StepStatus.NoOp,
                    Reason = $"dry run: agent unreachable; would deregister node '{node}' ({ids.Count} service(s)) from the catalog and force-leave it through the server",
                    Details = run.FinalDetails(),
                };
            }

            await _consul.CatalogDeregisterNodeAsync(run.Server, node, datacenter, run.Token, request.ReclaimAt, cancellationToken);
            foreach (string id in ids)
            {
                run.Record(id);
            }

            _logger.LogInformation("Consul node {Node} of {InstanceId} deregistered from the catalog through {Server}", node, request.Instance.InstanceId, run.Server.Authority);
            await _consul.ForceLeaveAsync(run.Server, node, run.Token, request.ReclaimAt, cancellationToken);
            _logger.LogInformation("Consul node {Node} force-left with prune", node);

            // Verify: a dead agent cannot re-register anything, so one read-back is enough.
            IReadOnlyList<string> left = await _consul.GetCatalogNodeServiceIdsAsync(run.Server, node, datacenter, run.Token, request.ReclaimAt, cancellationToken);
            if (left.Count > 0)
            {
                run.Details["still_registered"] = string.Join(',', left);
                return StepOutcome.Failed($"node '{node}' still has {left.Count} service(s) in the catalog after deregistration", run.FinalDetails());
            }
        }
        catch (RemoteApiException ex) when (ex.StatusCode == 403)
        {
            if (await RefreshTokenAsync(run, cancellationToken))
            {
                return await DeregisterThroughServerAsync(run, cancellationToken);
            }

            return AclFailure(run, ex);
        }
        catch (RemoteApiException ex)
        {
            _logger.LogError("Consul server fallback for node {Node} failed: {Error}", node, ex.Message);
            return StepOutcome.Failed($"Consul agent unreachable and the server fallback for node '{node}' failed: {ex.Message}", run.FinalDetails());
        }

        return Verified(run, $"Consul agent unreachable; node '{node}' deregistered from the catalog and force-left (pruned) through the server");
    }

    private bool CanRetry(RemediationRequest request) => _clock.GetUtcNow() + _options.RetryInterval < request.ReclaimAt;

    private StepOutcome Verified(ConsulRun run, string reason)
    {
        run.Details["attempts"] = run.Attempts.ToString(CultureInfo.InvariantCulture);
        string text = run.Notes.Count == 0 ? reason : reason + "; " + string.Join("; ", run.Notes);
        return StepOutcome.Done(text, run.FinalDetails());
    }

    private StepOutcome AclFailure(ConsulRun run, RemoteApiException ex)
    {
        // Names the parameter so the operator knows where to look; the token itself stays out of every message.
        string reason = run.Parameter is null
            ? $"Consul refused the request ({ex.ErrorCode}, HTTP 403) and no consul_token_parameter is configured"
            : $"Consul refused the ACL token read from SSM parameter '{run.Parameter}' ({ex.ErrorCode}, HTTP 403)";
        _logger.LogError("Consul ACL failure for {InstanceId}: {Reason}", run.Request.Instance.InstanceId, reason);
        run.Details["error"] = ex.ErrorCode;
        return StepOutcome.Failed(reason, run.FinalDetails());
    }

    private async Task<bool> RefreshTokenAsync(ConsulRun run, CancellationToken cancellationToken)
    {
        if (run.Parameter is null || run.TokenRefreshed)
        {
            return false;
        }

        run.TokenRefreshed = true;
        string? previous = run.Token;
        try
        {
            run.Token = await _tokens.GetAsync(run.Parameter, refresh: true, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            _logger.LogWarning("Re-reading Consul ACL token parameter {Parameter} failed: {ErrorCode}", run.Parameter, ex.ErrorCode);
            return false;
        }

        // Only a rotated token is worth another try.
        return !string.Equals(previous, run.Token, StringComparison.Ordinal);
    }

    private static string Seconds(TimeSpan value) => Math.Round(value.TotalSeconds, 1).ToString(CultureInfo.InvariantCulture);
}
