using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Observability;

/// <summary>
/// A minimal <see cref="ILoggerFactory"/> over one <see cref="PowertoolsLoggerProvider"/>: the bootstrap needs no
/// more than that, and Microsoft.Extensions.Logging's full factory would add startup work and size.
/// </summary>
public sealed class PowertoolsLoggerFactory(PowertoolsLoggerOptions options) : ILoggerFactory
{
    private readonly PowertoolsLoggerProvider _provider = new PowertoolsLoggerProvider(options);

    public PowertoolsLoggerOptions Options => _provider.Options;

    public ILogger CreateLogger(string categoryName) => _provider.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("The Powertools logger factory writes through its own provider only.");

    public void Dispose() => _provider.Dispose();
}
