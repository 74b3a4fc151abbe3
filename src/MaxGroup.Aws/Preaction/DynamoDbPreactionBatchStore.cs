using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Preaction;

namespace MaxGroup.Aws.Preaction;

/// <summary>
/// Preaction batches in their own DynamoDB table (partition key `group_name`), one item per group holding the latest
/// batch as JSON. Kept apart from the interruption ledger so neither's scans and caps see the other's items.
/// Both writes are conditional: a new batch only over a closed one, a save only over the version it read.
/// </summary>
public sealed class DynamoDbPreactionBatchStore(IAmazonDynamoDB client, string tableName) : IPreactionBatchStore
{
    public const string TableVariable = "MAXGROUP_PREACTION_TABLE";
    public const string DefaultTableName = "maxgroup-preaction";
    public const string PartitionKey = "group_name";

    private readonly string _tableName = tableName;

    public static CreateTableRequest Definition(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions = [new AttributeDefinition(PartitionKey, ScalarAttributeType.S)],
        KeySchema = [new KeySchemaElement(PartitionKey, KeyType.HASH)],
    };

    public async Task<PreactionBatch?> GetAsync(string groupName, CancellationToken cancellationToken)
    {
        GetItemResponse response = await Guard(() => client.GetItemAsync(
            new GetItemRequest { TableName = _tableName, Key = Key(groupName), ConsistentRead = true }, cancellationToken));
        if (response.Item is not { Count: > 0 } item || !item.TryGetValue("batch", out AttributeValue? json) || json.S is null)
        {
            return null;
        }

        PreactionBatch batch = JsonSerializer.Deserialize(json.S, PreactionJsonContext.Default.PreactionBatch)
            ?? throw new InvalidOperationException($"preaction batch of {groupName} is empty");
        return batch with { Version = int.Parse(item["version"].N, CultureInfo.InvariantCulture) };
    }

    public async Task<bool> TryStartAsync(PreactionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return await TryPutAsync(batch with { Version = 1 }, "attribute_not_exists(group_name) OR is_open = :false", new Dictionary<string, AttributeValue>
        {
            [":false"] = new() { BOOL = false },
        }, cancellationToken);
    }

    public async Task<bool> TrySaveAsync(PreactionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return await TryPutAsync(batch with { Version = batch.Version + 1 }, "version = :version AND batch_id = :batch", new Dictionary<string, AttributeValue>
        {
            [":version"] = new() { N = batch.Version.ToString(CultureInfo.InvariantCulture) },
            [":batch"] = new() { S = batch.BatchId },
        }, cancellationToken);
    }

    private async Task<bool> TryPutAsync(PreactionBatch batch, string condition, Dictionary<string, AttributeValue> values, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = new() { S = batch.GroupName },
            ["batch_id"] = new() { S = batch.BatchId },
            ["is_open"] = new() { BOOL = batch.IsOpen },
            ["version"] = new() { N = batch.Version.ToString(CultureInfo.InvariantCulture) },
            ["updated_at"] = new() { S = batch.UpdatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
            ["batch"] = new() { S = JsonSerializer.Serialize(batch, PreactionJsonContext.Default.PreactionBatch) },
        };
        try
        {
            await Guard(() => client.PutItemAsync(new PutItemRequest
            {
                TableName = _tableName,
                Item = item,
                ConditionExpression = condition,
                ExpressionAttributeValues = values,
            }, cancellationToken));
            return true;
        }
        catch (RemoteApiException ex) when (ex.ErrorCode == "ConditionalCheckFailedException")
        {
            return false;
        }
    }

    private static Dictionary<string, AttributeValue> Key(string groupName) => new() { [PartitionKey] = new() { S = groupName } };

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ConditionalCheckFailedException ex)
        {
            throw new RemoteApiException("dynamodb", "ConditionalCheckFailedException", ex.Message, (int)ex.StatusCode, ex);
        }
        catch (AmazonDynamoDBException ex)
        {
            throw new RemoteApiException("dynamodb", ex.ErrorCode ?? "Unknown", ex.Message, (int)ex.StatusCode, ex);
        }
    }
}
