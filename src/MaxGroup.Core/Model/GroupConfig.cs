namespace MaxGroup.Core.Model;

/// <summary>
/// The effective configuration of one Auto Scaling group: every key of the original max_group's
/// `service_config.json` group entry plus MaxGroup's own, with the original's defaults.
/// JSON names are the snake_case keys users write; see config/maxgroup-group.schema.json.
/// </summary>
public sealed record GroupConfig
{
    public string GroupName { get; init; } = "";

    // --- MaxGroup's own switches ---
    /// <summary>`enabled` (default true); `ignore_tag: true` from the original also switches a group off.</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>`ignore_tag` from the original max_group: true stops managing the group.</summary>
    public bool IgnoreTag { get; init; }
    /// <summary>`dry_run`: compute, log and record the plan; change nothing.</summary>
    public bool DryRun { get; init; }
    /// <summary>`replacement_strategy`: auto | detach | launch. Auto = launch when a volume must follow, else detach.</summary>
    public ReplacementStrategy ReplacementStrategy { get; init; } = ReplacementStrategy.Auto;
    /// <summary>
    /// `lifecycle_hook_failure_result: abandon`: a terminate lifecycle action whose drain or Consul step failed is completed
    /// with ABANDON (the group's other hooks are skipped) instead of CONTINUE. Either way the instance terminates and the
    /// data volume stays kept.
    /// </summary>
    public bool LifecycleHookAbandonOnFailure { get; init; }

    // --- original max_group keys ---
    /// <summary>`detaching_delay_seconds` (seed spelling `dettaching_delay_seconds`).</summary>
    public int DetachingDelaySeconds { get; init; } = 20;
    public int MaxNumOfTerminatedOneTime { get; init; } = 1;
    public int PreactionTerminationDelaySeconds { get; init; } = 10;
    public int PreactionDetachDelaySeconds { get; init; } = 10;
    public bool IsEnablePreaction { get; init; }
    /// <summary>
    /// `preaction_snapshot_interval_minutes`: minutes between this group's preaction evaluations (a group key, or the
    /// legacy file's global one); 0 = no preaction for the group; null = every scheduled run.
    /// </summary>
    public int? PreactionSnapshotIntervalMinutes { get; init; }
    /// <summary>`preaction_k8s_delay_draining_secs`: during preaction, longest wait for the successor node to be Ready before evicting.</summary>
    public int PreactionK8sDelayDrainingSecs { get; init; }
    /// <summary>`persistence_dev`: device of the data volume to move, e.g. /dev/sdf.</summary>
    public string? PersistenceDev { get; init; }
    /// <summary>`persistence_attach_as`: device the volume gets on the successor.</summary>
    public string PersistenceAttachAs { get; init; } = "/dev/xvdz";
    public CrossAzPolicy PersistenceCrossAz { get; init; } = CrossAzPolicy.Snapshot;
    public bool K8sNodeDrainOption { get; init; }
    public int K8sNodeDrainGraceSecond { get; init; } = 120;
    /// <summary>`k8s_delay_draining_secs`: longest wait for the successor node to be Ready before evicting; 0 = evict at once.</summary>
    public int K8sDelayDrainingSecs { get; init; }
    /// <summary>`k8s_node_after_termination`: what is done to the instance's Node once the instance is terminated (drained groups only).</summary>
    public NodeAfterTermination K8sNodeAfterTermination { get; init; } = NodeAfterTermination.Taint;
    /// <summary>`consul_port`: string or number in the file; null when Consul deregistration is off.</summary>
    public int? ConsulPort { get; init; }
    public bool IsEnableOdFallback { get; init; } = true;
    /// <summary>`alt1`..`altN`: alternative instance types, in order.</summary>
    public IReadOnlyList<string> AlternativeInstanceTypes { get; init; } = [];
    public bool IsToHandleRebalanceEvent { get; init; }
    /// <summary>
    /// `is_to_handle_scaling_failure` (default true, as max_group had it): the group's failed launch (EC2 Instance Launch
    /// Unsuccessful) is backfilled: one successor through the capacity-aware launch, attached, desired capacity put back.
    /// </summary>
    public bool IsToHandleScalingFailure { get; init; } = true;
    /// <summary>`is_prefer_multiple_types`: true = alternative Spot types before On-Demand; false = On-Demand before the alternatives.</summary>
    public bool IsPreferMultipleTypes { get; init; } = true;
    /// <summary>`is_only_od_rep`: successors are On-Demand only (launched by MaxGroup, so `auto` resolves to launch).</summary>
    public bool IsOnlyOdRep { get; init; }
    /// <summary>
    /// `is_to_revert_to_spot` (MaxGroup's): On-Demand and alternative-type successors MaxGroup launched as fallbacks are
    /// swapped back to the group's own Spot types on the preaction schedule, even with is_enable_preaction off.
    /// </summary>
    public bool IsToRevertToSpot { get; init; } = true;
    /// <summary>`od_least_live_mins`: an On-Demand fallback lives at least this long before it is swapped back to Spot.</summary>
    public int OdLeastLiveMins { get; init; } = 15;
    /// <summary>`alt_least_live_mins`: the same for a Spot successor of an alternative type (alt1..altN).</summary>
    public int AltLeastLiveMins { get; init; } = 15;
    /// <summary>`sd_delay_detach_secs`: delay before Consul deregistration; falls back to detaching_delay_seconds.</summary>
    public int? SdDelayDetachSecs { get; init; }

    // --- capacity (issue 19) ---
    /// <summary>
    /// `spot_pool_ban_minutes`: how long a Spot pool (type, zone) that was just interrupted is left out of successor
    /// launches (default 3, as Karpenter does); 0 = no ban.
    /// </summary>
    public int SpotPoolBanMinutes { get; init; } = 3;

    // --- Kubernetes ---
    public string? K8sClusterName { get; init; }
    /// <summary>
    /// `k8s_config_file_path` of the tag generation: a kubeconfig path on the max_group host. Its presence turns the drain
    /// on (unless k8s_node_drain_option says false); the path itself is not read (a Lambda has no such file).
    /// </summary>
    public string? K8sConfigFilePath { get; init; }
    public string? K8sEndpoint { get; init; }
    /// <summary>Base64-encoded PEM, exactly as EKS DescribeCluster reports certificateAuthority.data.</summary>
    public string? K8sCertificateAuthority { get; init; }

    // --- Load balancers (the traffic step) ---
    /// <summary>`lb_deregistration` (default true): deregister the instance from the group's target groups and Classic Load Balancers first.</summary>
    public bool LbDeregistration { get; init; } = true;
    /// <summary>`lb_deregistration_wait_seconds`: longest wait for the targets to leave draining; the drain's evictions wait as long at most.</summary>
    public int LbDeregistrationWaitSeconds { get; init; } = 30;

    // --- Consul ---
    public string ConsulScheme { get; init; } = "http";
    /// <summary>Template with {private_ip}, {private_dns}, {port}; default "{private_ip}:{port}".</summary>
    public string ConsulAddress { get; init; } = "{private_ip}:{port}";
    /// <summary>SSM SecureString parameter name holding the ACL token.</summary>
    public string? ConsulTokenParameter { get; init; }
    public string? ConsulServerAddress { get; init; }
    public string? ConsulDatacenter { get; init; }

    /// <summary>The strategy after resolving `auto`: launch when a volume must follow or only On-Demand may replace, else detach.</summary>
    public ReplacementStrategy EffectiveStrategy =>
        ReplacementStrategy != ReplacementStrategy.Auto
            ? ReplacementStrategy
            : PersistenceDev is null && !IsOnlyOdRep ? ReplacementStrategy.Detach : ReplacementStrategy.Launch;

    /// <summary>False when switched off by `enabled: false` or the original's `ignore_tag: true`.</summary>
    public bool IsSwitchedOn => Enabled && !IgnoreTag;

    public bool HasVolumeStep => PersistenceDev is not null;
    public bool HasDrainStep => K8sNodeDrainOption;
    public bool HasConsulStep => ConsulPort is not null;
    public bool HasTrafficStep => LbDeregistration;
}

/// <summary>`k8s_node_after_termination`: what happens to a terminated instance's Node that is still in the cluster.</summary>
public enum NodeAfterTermination
{
    /// <summary>Taint it node.kubernetes.io/out-of-service=nodeshutdown:NoExecute: its pods are deleted and their volumes detach.</summary>
    Taint,
    /// <summary>Delete the Node object.</summary>
    Delete,
    /// <summary>Leave it to the cloud controller.</summary>
    None,
}

/// <summary>How the replace step gets a successor.</summary>
public enum ReplacementStrategy
{
    Auto,
    /// <summary>DetachInstances without decrement: the group launches the replacement itself.</summary>
    Detach,
    /// <summary>Launch a successor from the launch template in the same AZ, attach it, then detach the doomed instance.</summary>
    Launch,
}

/// <summary>`persistence_cross_az`: what to do when the successor is in another AZ than the volume.</summary>
public enum CrossAzPolicy
{
    /// <summary>Snapshot the volume and create a copy in the successor's AZ; the original is kept.</summary>
    Snapshot,
    /// <summary>Leave the volume pending for the next instance launched into its AZ.</summary>
    Wait,
}
