using System.Collections.Concurrent;
using MaxGroup.Aws.Lambda;
using MaxGroup.Functions.Handlers;
using MaxGroup.Integration.Tests.Bench;
using MaxGroup.Integration.Tests.Dispatch;

namespace MaxGroup.Integration.Tests.LambdaPath;

/// <summary>
/// Issue 10 item 2 as deployed (not `--inline`): the dispatcher invokes the replace function through Lambda (the real
/// <see cref="LambdaFunctionInvoker"/>, against moto through the same recording proxy as <see cref="CriticalPathTests"/>),
/// and the replace function's handler then runs with exactly the payload that Invoke carried. The sequential AWS calls from
/// the warning to RunInstances/DetachInstances are counted across both, Invoke included as one call. The same payload
/// delivered a second time (Lambda's at-least-once) must not request a second successor.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class LambdaCriticalPathTests(MotoFixture moto, ITestOutputHelper output)
{
    /// <summary>
    /// The dispatcher's path when it begins (its fallback since issue 24, after its grace): its own (instance → begin,
    /// plus the subnet zones for launch), the Invoke, and the replace function's one conditional consume of the begin's
    /// claim token. One more call fails the test.
    /// </summary>
    public static int LambdaSequentialCeiling(string strategy) => CriticalPathTests.WarmCeiling(strategy, dataVolume: false) + 2;

    /// <summary>Cold, one more, for the same reason as <see cref="CriticalPathTests.ColdSequentialCeiling"/>.</summary>
    public static int ColdLambdaSequentialCeiling(string strategy) => LambdaSequentialCeiling(strategy) + 1;

    private const string Group = "web";

    /// <summary>How the proxy names Lambda's Invoke of the replace function (a REST call: method and path).</summary>
    private const string InvokeAction = "POST /2015-03-31/functions/maxgroup-replace/invocations";

    [Theory]
    [InlineData("launch", "CreateFleet")]
    [InlineData("detach", "DetachInstances")]
    public async Task LambdaCriticalPath_SpotWarning_SequentialCallsBeforeSuccessorRequestWithinCeiling(string strategy, string successorAction)
    {
        await moto.ResetAsync();
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        using var factory = AwsTestClients.EndpointFactory(proxy.Endpoint, AwsTestClients.FastRetry());
        var payloads = new ConcurrentQueue<(string Step, byte[] Payload)>();
        var invoker = new LambdaFunctionInvoker(
            factory.Lambda,
            LambdaFunctionInvoker.FunctionNamesFromEnvironment(_ => null),
            request =>
            {
                byte[] payload = LambdaFunctionInvoker.Serialize(request);
                payloads.Enqueue((request.Step, payload));
                return payload;
            });
        DispatcherWiring composition = await CriticalPathTests.BuildSceneAsync(factory, proxy.Endpoint, strategy, invoker);
        IReadOnlyList<string> members = (await factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None))[0]
            .Instances.Select(i => i.InstanceId).ToList();
        RemediationHandler replaceFunction = composition.RemediationHandler(composition.Replace.Remediation);

        Measured cold = await MeasureAsync(proxy, composition, replaceFunction, payloads, members[0], "ev-cold", successorAction);
        Measured warm = await MeasureAsync(proxy, composition, replaceFunction, payloads, members[1], "ev-warm", successorAction);

        string report = Report(strategy, successorAction, [("cold", cold), ("warm", warm)]);
        output.WriteLine(report);
        BenchArtifacts.Write($"critical-path-lambda-{strategy}.md", report);
        foreach ((string label, Measured run) in new[] { ("cold", cold), ("warm", warm) })
        {
            Assert.True(run.SuccessorRequested, $"no {successorAction} was issued ({label}):\n{report}");
            Assert.Equal(StepStatus.Done, run.First.Status);
            // The second delivery of the same invocation: no second successor request, the step is not redone.
            Assert.Equal(StepStatus.NoOp, run.Second.Status);
            Assert.Equal(1, run.SuccessorRequests);
        }

        Assert.True(
            cold.Sequential <= ColdLambdaSequentialCeiling(strategy) && warm.Sequential <= LambdaSequentialCeiling(strategy),
            $"Lambda-mode critical path grew: {cold.Sequential} (cold, ceiling {ColdLambdaSequentialCeiling(strategy)}) / {warm.Sequential} (warm, ceiling {LambdaSequentialCeiling(strategy)}) sequential calls before {successorAction}\n{report}");
    }

    /// <summary>
    /// As deployed since issue 24: the Spot warning rule targets the replace function beside the dispatcher, and the replace
    /// function's own delivery begins the hand-over and runs the step in its process: instance → begin (∥ the group's
    /// description) → DetachInstances, no Invoke, no token. The launch strategy adds the subnet zones (from the group's
    /// description) before CreateFleet. One more call fails the test.
    /// </summary>
    public static int DirectSequentialCeiling(string strategy) => strategy == "launch" ? 3 : 2;

    /// <summary>Cold, one more: the config's first S3 read is a round trip of its own before the begin.</summary>
    public static int ColdDirectSequentialCeiling(string strategy) => DirectSequentialCeiling(strategy) + 1;

    [Theory]
    [InlineData("launch", "CreateFleet")]
    [InlineData("detach", "DetachInstances")]
    public async Task LambdaCriticalPath_SpotWarningToReplaceFunction_SequentialCallsWithinCeilingAndOneSuccessor(string strategy, string successorAction)
    {
        await moto.ResetAsync();
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        using var factory = AwsTestClients.EndpointFactory(proxy.Endpoint, AwsTestClients.FastRetry());
        var invoked = new ConcurrentQueue<string>();
        var invoker = new LambdaFunctionInvoker(
            factory.Lambda,
            LambdaFunctionInvoker.FunctionNamesFromEnvironment(_ => null),
            request =>
            {
                invoked.Enqueue(request.Step);
                return LambdaFunctionInvoker.Serialize(request);
            });
        // As template.yaml sets the dispatcher; no grace here, the deliveries below come one after the other anyway.
        DispatcherWiring composition = await CriticalPathTests.BuildSceneAsync(factory, proxy.Endpoint, strategy, invoker, environment: new Dictionary<string, string>
        {
            ["MAXGROUP_REPLACE_TAKES_WARNINGS"] = "true",
            ["MAXGROUP_REPLACE_INTAKE_GRACE_MS"] = "0",
        });
        IReadOnlyList<string> members = (await factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None))[0]
            .Instances.Select(i => i.InstanceId).ToList();
        var replaceFunction = new ReplaceFunctionHandler(
            composition.RemediationHandler(composition.Replace.Remediation),
            WarningIntakeWiring.Create(composition.Services, composition.Replace, invoker),
            NullLogger<ReplaceFunctionHandler>.Instance);

        var runs = new List<(string Label, CriticalPathTests.CriticalPath Path, DispatchResult Dispatcher, DispatchResult Again, int Successors)>();
        foreach ((string label, string doomed) in new[] { ("cold", members[0]), ("warm", members[1]) })
        {
            string json = WarningJson(doomed, "ev-" + label);
            proxy.ClearCalls();
            DateTimeOffset start = DateTimeOffset.UtcNow;
            DispatchResult direct = Deserialize(await replaceFunction.HandleAsync(json, new TestLambdaContext(), CancellationToken.None));
            CriticalPathTests.CriticalPath path = CriticalPathTests.Analyse(proxy.Calls, start, successorAction);
            // The dispatcher's delivery of the same event, after its grace, and EventBridge's second copy to the function.
            DispatchResult dispatched = await composition.Dispatcher.DispatchAsync(EventParser.Parse(json), CancellationToken.None);
            DispatchResult again = Deserialize(await replaceFunction.HandleAsync(json, new TestLambdaContext(), CancellationToken.None));
            Assert.Equal(DispatchStatus.Started, direct.Status);
            Assert.Equal(StepStatus.Done, (await composition.Ledger.GetAsync(doomed, CancellationToken.None))!.FindStep(StepNames.Replace)!.Status);
            runs.Add((label, path, dispatched, again, proxy.Calls.Count(c => c.Action == successorAction)));
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"## Critical path as deployed, the warning to the replace function: {strategy} strategy (successor request = {successorAction})");
        foreach ((string label, CriticalPathTests.CriticalPath path, DispatchResult dispatched, DispatchResult again, int successors) in runs)
        {
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"### {label}: {path.Sequential} sequential before {successorAction}; the dispatcher's delivery: {dispatched.Status}, a second copy: {again.Status}; {successorAction} issued {successors} time(s)");
            report.AppendLine();
            report.AppendLine("| # | service | action | start ms | end ms | sequential |");
            report.AppendLine("|---|---------|--------|---------:|-------:|------------|");
            DateTimeOffset origin = path.Rows.Count > 0 ? path.Rows[0].Call.Start : DateTimeOffset.UtcNow;
            int index = 1;
            foreach ((ProxiedCall call, bool sequential) in path.Rows)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"| {index++} | {call.Service} | {call.Action} | {(call.Start - origin).TotalMilliseconds:0} | {(call.End - origin).TotalMilliseconds:0} | {(sequential ? "yes" : "overlapped")} |");
            }
        }

        string text = report.ToString();
        output.WriteLine(text);
        BenchArtifacts.Write($"critical-path-direct-{strategy}.md", text);
        Assert.DoesNotContain(StepNames.Replace, invoked);
        foreach ((string label, CriticalPathTests.CriticalPath path, DispatchResult dispatched, DispatchResult again, int successors) in runs)
        {
            Assert.True(path.SuccessorRequested, $"no {successorAction} was issued ({label}):\n{text}");
            Assert.Equal(DispatchStatus.Duplicate, dispatched.Status);
            Assert.Equal(DispatchStatus.Duplicate, again.Status);
            Assert.Equal(1, successors);
        }

        Assert.True(
            runs[0].Path.Sequential <= ColdDirectSequentialCeiling(strategy) && runs[1].Path.Sequential <= DirectSequentialCeiling(strategy),
            $"critical path through the replace function grew: {runs[0].Path.Sequential} (cold, ceiling {ColdDirectSequentialCeiling(strategy)}) / {runs[1].Path.Sequential} (warm, ceiling {DirectSequentialCeiling(strategy)}) sequential calls before {successorAction}\n{text}");
    }

    private static DispatchResult Deserialize(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, RemediationJsonContext.Default.DispatchResult)!;

    private static async Task<Measured> MeasureAsync(
        AwsFaultProxy proxy,
        DispatcherWiring composition,
        RemediationHandler replaceFunction,
        ConcurrentQueue<(string Step, byte[] Payload)> payloads,
        string doomed,
        string eventId,
        string successorAction)
    {
        MaxGroupEvent warning = EventParser.Parse(WarningJson(doomed, eventId));
        payloads.Clear();
        proxy.ClearCalls();
        DateTimeOffset start = DateTimeOffset.UtcNow;
        DispatchResult result = await composition.Dispatcher.DispatchAsync(warning, CancellationToken.None);
        Assert.Equal(DispatchStatus.Started, result.Status);
        (string _, byte[] payload) = Assert.Single(payloads, p => p.Step == StepNames.Replace);
        string json = Encoding.UTF8.GetString(payload);
        Assert.Contains("\"stepClaim\"", json, StringComparison.Ordinal);
        // The dispatcher's own path ends with the Invoke; what it does after (e.g. reading the queue) runs beside the
        // replace function in another function, so it is reported but not on the path.
        IReadOnlyList<ProxiedCall> dispatcherCalls = proxy.Calls;
        CriticalPathTests.CriticalPath toInvoke = CriticalPathTests.Analyse(dispatcherCalls, start, InvokeAction);
        Assert.True(toInvoke.SuccessorRequested, "the dispatcher did not invoke the replace function");

        // The replace function as Lambda runs it: the handler, given the payload the Invoke carried.
        DateTimeOffset functionStart = DateTimeOffset.UtcNow;
        StepOutcome first = Outcome(await replaceFunction.HandleAsync(json, new TestLambdaContext(), CancellationToken.None));
        CriticalPathTests.CriticalPath inFunction = CriticalPathTests.Analyse(proxy.Calls.Where(c => c.Start >= functionStart).ToList(), functionStart, successorAction);
        StepOutcome second = Outcome(await replaceFunction.HandleAsync(json, new TestLambdaContext(), CancellationToken.None));
        InterruptionRecord record = (await composition.Ledger.GetAsync(doomed, CancellationToken.None))!;
        Assert.NotNull(record.SuccessorInstanceId);
        List<ProxiedCall> offPath = dispatcherCalls.Where(c => c.Start > toInvoke.Successor!.Start).ToList();
        return new Measured(toInvoke, inFunction, offPath, first, second, proxy.Calls.Count(c => c.Action == successorAction));
    }

    private static StepOutcome Outcome(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, RemediationJsonContext.Default.StepOutcome)!;

    private static string Report(string strategy, string successorAction, IReadOnlyList<(string Label, Measured Run)> runs)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## Critical path as deployed (Lambda): {strategy} strategy (successor request = {successorAction})");
        foreach ((string label, Measured run) in runs)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"### {label}: {run.Sequential} sequential before {successorAction} = dispatcher {run.ToInvoke.Sequential} + Invoke 1 + replace function {run.InFunction.Sequential}; " +
                $"second delivery of the same payload: {run.Second.Status} ({run.Second.Reason}); {successorAction} issued {run.SuccessorRequests} time(s)");
            text.AppendLine();
            text.AppendLine("| # | function | service | action | start ms | end ms | sequential |");
            text.AppendLine("|---|----------|---------|--------|---------:|-------:|------------|");
            DateTimeOffset origin = run.ToInvoke.Rows.Count > 0 ? run.ToInvoke.Rows[0].Call.Start : DateTimeOffset.UtcNow;
            int index = 1;
            foreach ((ProxiedCall call, bool sequential) in run.ToInvoke.Rows)
            {
                Row(text, index++.ToString(CultureInfo.InvariantCulture), "dispatcher", call, origin, sequential ? "yes" : "overlapped");
            }

            Row(text, index++.ToString(CultureInfo.InvariantCulture), "dispatcher", run.ToInvoke.Successor!, origin, "yes (Invoke)");
            foreach ((ProxiedCall call, bool sequential) in run.InFunction.Rows)
            {
                Row(text, index++.ToString(CultureInfo.InvariantCulture), "replace", call, origin, sequential ? "yes" : "overlapped");
            }

            if (run.InFunction.Successor is { } successor)
            {
                Row(text, "->", "replace", successor, origin, "successor request");
            }

            foreach (ProxiedCall call in run.DispatcherAfterInvoke)
            {
                Row(text, "", "dispatcher", call, origin, "after the Invoke, beside the replace function: not on the path");
            }
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string index, string function, ProxiedCall call, DateTimeOffset origin, string note) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"| {index} | {function} | {call.Service} | {call.Action} | {(call.Start - origin).TotalMilliseconds:0} | {(call.End - origin).TotalMilliseconds:0} | {note} |");

    private static string WarningJson(string instanceId, string eventId) => $$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
         "account":"123456789012","time":"{{{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}","region":"us-east-1",
         "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
         "detail":{"instance-id":"{{{instanceId}}}","instance-action":"terminate"}}
        """;

    /// <summary>One warning: the dispatcher's path to the Invoke, the replace function's path to the successor request.</summary>
    private sealed record Measured(
        CriticalPathTests.CriticalPath ToInvoke,
        CriticalPathTests.CriticalPath InFunction,
        IReadOnlyList<ProxiedCall> DispatcherAfterInvoke,
        StepOutcome First,
        StepOutcome Second,
        int SuccessorRequests)
    {
        /// <summary>Sequential calls before the successor request: the dispatcher's, the Invoke (one), the function's.</summary>
        public int Sequential => ToInvoke.Sequential + 1 + InFunction.Sequential;

        public bool SuccessorRequested => InFunction.SuccessorRequested;
    }
}
