using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Functions.Runtime;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>Group configs held in memory: the config source is another issue's adapter, not under test here.</summary>
internal sealed class StaticConfigSource : IGroupConfigSource
{
    private readonly Dictionary<string, GroupConfig> _configs = [];

    public void Set(GroupConfig config) => _configs[config.GroupName] = config;

    public Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken) =>
        Task.FromResult(_configs.TryGetValue(groupName, out GroupConfig? config)
            ? GroupConfigLookup.ManagedBy(config)
            : GroupConfigLookup.NotManaged("no configuration file and no spotmax: tags"));
}

/// <summary>A Lambda context with plenty of time left.</summary>
internal sealed class TestLambdaContext : ILambdaContext
{
    public string AwsRequestId { get; } = Guid.NewGuid().ToString();
    public string FunctionName => "maxgroup-test";
    public string FunctionVersion => "$LATEST";
    public string InvokedFunctionArn => "arn:aws:lambda:us-east-1:123456789012:function:maxgroup-test";
    public int MemoryLimitInMB => 512;
    public string LogGroupName => "/aws/lambda/maxgroup-test";
    public string LogStreamName => "test";
    public TimeSpan RemainingTime => TimeSpan.FromMinutes(5);
    public string TraceId => "";
    public bool IsColdStart => false;
}
