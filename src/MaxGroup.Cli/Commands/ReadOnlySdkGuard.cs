using System.Reflection;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// Makes an AWSSDK client interface (IAmazonEC2, IAmazonS3, IAmazonDynamoDB) read-only: a proxy forwards Describe*,
/// Get*, List*, Head* (and DynamoDB's Scan, Query, BatchGetItem) operations (and property reads, Dispose) and refuses every other method with
/// <see cref="ReadOnlyViolationException"/> before anything is sent. The CLI runs with the JIT, so a DispatchProxy is fine.
/// </summary>
public static class ReadOnlySdkGuard
{
    // Scan, Query and BatchGetItem are DynamoDB's reads.
    private static readonly string[] ReadPrefixes = ["Describe", "Get", "List", "Head", "Scan", "Query", "BatchGet"];

    /// <summary>A read-only view of <paramref name="client"/> through its interface <typeparamref name="T"/>.</summary>
    public static T Guard<T>(T client)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        T proxy = DispatchProxy.Create<T, ReadOnlyProxy>();
        ((ReadOnlyProxy)(object)proxy).Initialize(client, typeof(T).Name);
        return proxy;
    }

    /// <summary>True for the operation names AWS uses for calls that only read.</summary>
    public static bool IsRead(string operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return ReadPrefixes.Any(p => operation.StartsWith(p, StringComparison.Ordinal));
    }

    /// <summary>Forwards allowed calls to the real client; public only because DispatchProxy requires it.</summary>
#pragma warning disable CA1852 // DispatchProxy derives a type from it at run time: it cannot be sealed.
    public class ReadOnlyProxy : DispatchProxy
#pragma warning restore CA1852
    {
        private object? _target;
        private string _service = "";

        internal void Initialize(object target, string service)
        {
            _target = target;
            _service = service.StartsWith("IAmazon", StringComparison.Ordinal) ? service["IAmazon".Length..].ToLowerInvariant() : service;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            string name = targetMethod.Name;
            bool allowed = targetMethod.IsSpecialName && name.StartsWith("get_", StringComparison.Ordinal)
                || name == nameof(IDisposable.Dispose)
                || IsRead(name);
            if (!allowed)
            {
                string operation = name.EndsWith("Async", StringComparison.Ordinal) ? name[..^"Async".Length] : name;
                throw ReadOnlyViolationException.For(_service, operation);
            }

            try
            {
                return targetMethod.Invoke(_target, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }
    }
}
