namespace MaxGroup.Core.Config;

/// <summary>
/// Keys of the original max_group's documented tag list that MaxGroup does not implement. A group that carries one (as
/// a tag or in a file) stays managed: the key is reported once as a warning saying what it did and why it is not
/// implemented here, never as an error. The schema describes each with the same sentence (a test keeps them equal).
/// </summary>
public static class RecognisedKeys
{
    /// <summary>The start of every such warning.</summary>
    public const string MessagePrefix = "recognised max_group key, not implemented here: ";

    private const string WarmPool =
        "max_group kept its own warm pool of stopped instances to start successors from; AWS warm pools refuse Spot and mixed-instances groups, and a Lambda keeps no pool: rebalance pre-warming (is_to_handle_rebalance_event) is MaxGroup's early successor";

    /// <summary>Each key and what it did, and why not here.</summary>
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gurantee_living_mins"] = "asked for a guaranteed uninterrupted lifetime through Spot blocks (defined-duration Spot); AWS ended Spot blocks, so no launch can promise it",
        ["buffer_mins"] = "the margin added to gurantee_living_mins for Spot blocks; AWS ended Spot blocks",
        ["spot_price_limit"] = "Aliyun only: dropped an instance type whose Spot price passed X times On-Demand; on AWS a Spot launch is never charged above On-Demand and MaxGroup does not bid",
        ["pod_delay_detaching_secs"] = "removed the app label from the replaced node's pods after this delay to take them out of their Services; MaxGroup's drain evicts through the Eviction API, which takes pods out of their endpoints and respects PodDisruptionBudgets",
        ["warm_pool_start_up_duration_min"] = WarmPool,
        ["warm_pool_update_frequency_min"] = WarmPool,
        ["warm_pool_min_size"] = WarmPool,
        ["is_warm_pool_first"] = WarmPool,
        ["az_rebalance"] = "\"optimize\" balanced InService counts across zones; Auto Scaling's own AZRebalance process does this for the group, so MaxGroup leaves it to Auto Scaling",
    };

    /// <summary>The warning for <paramref name="name"/>, or null when it is not one of these keys.</summary>
    public static ConfigProblem? Problem(string name, string path) =>
        All.TryGetValue(name, out string? what) ? new ConfigProblem(path, MessagePrefix + what, null, ConfigSeverity.Warning) : null;
}
