namespace MaxGroup.Simulators.Aws;

/// <summary>
/// An AWS behaviour that a loopback proxy gives in front of the emulator where the emulator lacks it (each implementation
/// says which behaviour and where AWS documents it): it may answer a request itself, change what is forwarded, or rewrite
/// the emulator's answer.
/// </summary>
public interface IEmulatorSemantics
{
    /// <summary>Before forwarding: an answer to send instead (the emulator never sees the request), or null to forward <see cref="EmulatorExchange.Body"/>.</summary>
    EmulatorAnswer? Before(EmulatorExchange exchange);

    /// <summary>After the emulator answered <paramref name="status"/>: the body to send back (<paramref name="body"/> when unchanged).</summary>
    byte[] After(EmulatorExchange exchange, int status, byte[] body);
}
