namespace MaxGroup.Simulators.Aws;

/// <summary>An answer a proxy sends in the emulator's place: HTTP status, content type and body, in the service's own shape.</summary>
public sealed record EmulatorAnswer(int Status, string ContentType, byte[] Body);
