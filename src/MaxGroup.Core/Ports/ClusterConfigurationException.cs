namespace MaxGroup.Core.Ports;

/// <summary>The group's configuration does not say how to reach its cluster.</summary>
public sealed class ClusterConfigurationException : Exception
{
    public ClusterConfigurationException(string message)
        : base(message)
    {
    }

    public ClusterConfigurationException()
    {
    }

    public ClusterConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
