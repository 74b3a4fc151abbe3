using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Ledger;

/// <summary>
/// The ledger in DynamoDB. Each record carries a `version`; a change to one record is a read, the shared
/// <see cref="LedgerRules"/>, and a put conditioned on the version read (optimistic concurrency on that record only).
/// In-flight slots are string sets on coordination items (one global, one per group) changed with ADD/DELETE under a
/// size condition, never rewritten from a read: beginning an interruption is ONE transaction that creates the record
/// (condition: it does not exist), takes a slot in both sets (condition: below the cap) and may mark the first step
/// Running. Concurrent begins therefore never overwrite each other's slots; they only conflict and retry.
/// </summary>
/// <remarks>
/// This class holds the per-step changes of a record (start, claim, end, lease) and the successor claims; the begin,
/// queue and complete with their slots are <see cref="LedgerAdmission"/>, the lists <see cref="LedgerQueries"/>, and
/// the table mechanics (reads, versioned puts, transactions, back-off) <see cref="LedgerStore"/>.
/// </remarks>
public sealed class DynamoDbLedger : ILedger
{
    // A successor claim outlives the interruption record's own life in practice: a month, as the records' TTL.
    private const int SuccessorClaimDays = 30;
    private const string SuccessorOf = "successor_of";
    private readonly LedgerStore _store;
    private readonly LedgerAdmission _admission;
    private readonly LedgerQueries _queries;

    public DynamoDbLedger(IAmazonDynamoDB client, string tableName)
    {
        _store = new LedgerStore(client, tableName);
        _admission = new LedgerAdmission(_store);
        _queries = new LedgerQueries(_store);
    }

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken) =>
        TryBeginInterruptionAsync(record, limits, now, null, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, CancellationToken cancellationToken) =>
        TryBeginInterruptionAsync(record, limits, now, claimStep, null, cancellationToken);

    public Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, string? pendingClaim, CancellationToken cancellationToken) =>
        _admission.TryBeginAsync(record, limits, now, claimStep, pendingClaim, cancellationToken);

    public Task<bool> TryCompleteInterruptionAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        _admission.TryCompleteAsync(instanceId, now, cancellationToken);

    public Task<bool> TryPromoteQueuedAsync(string instanceId, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken) =>
        _admission.TryPromoteQueuedAsync(instanceId, limits, now, cancellationToken);

    public Task<IReadOnlyList<InterruptionRecord>> ListActiveAsync(CancellationToken cancellationToken) =>
        _queries.ListActiveAsync(cancellationToken);

    public Task<IReadOnlyList<QueuedInterruption>> ListQueuedAsync(CancellationToken cancellationToken) =>
        _queries.ListQueuedAsync(cancellationToken);

    public Task<IReadOnlyList<InterruptionRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken) =>
        _queries.ListRecentAsync(limit, cancellationToken);

    public async Task<InterruptionRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        (await _store.ReadAsync(instanceId, cancellationToken))?.Record;

    public Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken) =>
        TryStartStepAsync(instanceId, step, now, lease, claim: null, cancellationToken);

    public async Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, string? claim, CancellationToken cancellationToken)
    {
        StepStart decision = StepStart.NoInterruption;
        await _store.UpdateAsync(instanceId, record =>
        {
            (decision, InterruptionRecord? updated) = LedgerRules.StartStep(record, step, now, lease, claim);
            return updated;
        }, cancellationToken);
        return decision;
    }

    /// <summary>
    /// One UpdateItem, no read: the pending claim lives in the record's step_claims map (addressable by step name, unlike
    /// the steps list), so the condition "this step's pending claim is the token" and the change "clear it, note the
    /// consumer, bump the version" are one atomic write. The version bump makes every writer that read the record before
    /// it (an optimistic put of the whole record) fail and re-read, so no put can bring a consumed claim back.
    /// </summary>
    public async Task<bool> TryConsumeStepClaimAsync(string instanceId, string step, string claim, string runId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(claim);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        try
        {
            await LedgerStore.Guard(() => _store.Client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _store.TableName,
                Key = LedgerItems.Key(instanceId),
                // The step's whole entry is replaced (not a field inside it), so the update's path exists whenever the
                // map does: ToItem always writes it, and a condition that fails never meets an invalid path.
                UpdateExpression = "SET #c.#s = :consumed, #v = #v + :one",
                ConditionExpression = "#c.#s.#p = :claim",
                ExpressionAttributeNames = new()
                {
                    ["#c"] = LedgerItems.StepClaims,
                    ["#s"] = step,
                    ["#p"] = LedgerItems.PendingClaim,
                    ["#v"] = LedgerItems.Version,
                },
                ExpressionAttributeValues = new()
                {
                    [":claim"] = new AttributeValue { S = claim },
                    [":consumed"] = new AttributeValue { M = new() { [LedgerItems.ClaimConsumedBy] = new AttributeValue { S = runId } } },
                    [":one"] = new AttributeValue { N = "1" },
                },
            }, cancellationToken));
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Gone: another delivery consumed it, or the step ended or was taken over. Or this run consumed it and the
            // answer was lost (the SDK's retry then fails the condition): that run's id is the consumer.
            InterruptionRecord? record = await GetAsync(instanceId, cancellationToken);
            return record?.FindStep(step)?.ClaimConsumedBy == runId;
        }
    }

    public Task<InterruptionRecord?> RecordStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken) =>
        _store.UpdateAsync(instanceId, record => LedgerRules.EndStep(record, step, outcome, now), cancellationToken);

    public async Task<(bool Recorded, InterruptionRecord? Record)> RecordHeldStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, StepHold hold, CancellationToken cancellationToken)
    {
        bool recorded = false;
        InterruptionRecord? record = await _store.UpdateAsync(instanceId, current =>
        {
            InterruptionRecord? ended = LedgerRules.EndHeldStep(current, step, outcome, now, hold);
            recorded = ended is not null;
            return ended;
        }, cancellationToken);
        return (recorded, record);
    }

    /// <summary>
    /// A read and a put conditioned on the version, like every change to the record: the renewal must not be undone by a
    /// concurrent full-record put of another step, and that put must not be undone by the renewal.
    /// </summary>
    public async Task<bool> TryRenewStepLeaseAsync(string instanceId, string step, StepHold hold, DateTimeOffset until, CancellationToken cancellationToken)
    {
        bool held = false;
        await _store.UpdateAsync(instanceId, current =>
        {
            (held, InterruptionRecord? renewed) = LedgerRules.RenewLease(current, step, hold, until);
            return renewed;
        }, cancellationToken);
        return held;
    }

    public Task SetSuccessorAsync(string instanceId, string successorInstanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        _store.UpdateAsync(instanceId, record => record.SuccessorInstanceId == successorInstanceId ? null : LedgerRules.SetSuccessor(record, successorInstanceId, now), cancellationToken);

    public Task SetVolumeAsync(string instanceId, string volumeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        _store.UpdateAsync(instanceId, record => record.VolumeId == volumeId ? null : LedgerRules.SetVolume(record, volumeId, now), cancellationToken);

    public Task SetProgressAsync(string instanceId, string key, string value, CancellationToken cancellationToken) =>
        _store.UpdateAsync(instanceId, record => record.Progress.GetValueOrDefault(key) == value ? null : LedgerRules.SetProgress(record, key, value), cancellationToken);

    public async Task<bool> TryClaimSuccessorAsync(string successorInstanceId, string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(successorInstanceId);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        try
        {
            // Put-if-absent, or already ours: a retry whose first answer was lost still reads as our claim.
            await LedgerStore.Guard(() => _store.Client.PutItemAsync(new PutItemRequest
            {
                TableName = _store.TableName,
                Item = new Dictionary<string, AttributeValue>
                {
                    [LedgerTable.PartitionKey] = new AttributeValue { S = LedgerTable.SuccessorClaimKey(successorInstanceId) },
                    [SuccessorOf] = new AttributeValue { S = instanceId },
                    [LedgerTable.TtlAttribute] = new AttributeValue { N = now.AddDays(SuccessorClaimDays).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
                },
                ConditionExpression = "attribute_not_exists(#k) OR #of = :me",
                ExpressionAttributeNames = new() { ["#k"] = LedgerTable.PartitionKey, ["#of"] = SuccessorOf },
                ExpressionAttributeValues = new() { [":me"] = new AttributeValue { S = instanceId } },
            }, cancellationToken));
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
