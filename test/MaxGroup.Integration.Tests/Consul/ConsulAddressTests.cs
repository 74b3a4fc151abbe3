using CsCheck;
using MaxGroup.Core.Steps.Consul;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>Pure tests of the address template: only EC2 facts and config values, and only scheme://host:port/.</summary>
public sealed class ConsulAddressTests
{
    private static readonly GroupConfig Base = new() { GroupName = "g", ConsulPort = 8500 };

    private static InstanceFacts Facts(string? ip = "10.0.1.23", string? dns = "ip-10-0-1-23.ec2.internal") => new()
    {
        InstanceId = "i-1",
        AvailabilityZone = "us-east-1a",
        InstanceType = "m5.large",
        State = "running",
        PrivateIpAddress = ip,
        PrivateDnsName = dns,
    };

    [Fact]
    public void TryBuildAgentUri_DefaultTemplate_PrivateIpAndPort()
    {
        Uri? uri = ConsulAddress.TryBuildAgentUri(Base, Facts(), out string? error);

        Assert.Null(error);
        Assert.Equal("http://10.0.1.23:8500/", uri!.ToString());
    }

    [Fact]
    public void TryBuildAgentUri_DnsTemplateHttps_UsesPrivateDns()
    {
        GroupConfig config = Base with { ConsulAddress = "{private_dns}:{port}", ConsulScheme = "HTTPS", ConsulPort = 8501 };

        Uri? uri = ConsulAddress.TryBuildAgentUri(config, Facts(), out _);

        Assert.Equal("https://ip-10-0-1-23.ec2.internal:8501/", uri!.ToString());
    }

    [Fact]
    public void TryBuildAgentUri_NoPortInTemplate_UsesConsulPort()
    {
        Uri? uri = ConsulAddress.TryBuildAgentUri(Base with { ConsulAddress = "{private_dns}" }, Facts(), out _);

        Assert.Equal(8500, uri!.Port);
    }

    [Fact]
    public void TryBuildAgentUri_Ipv6PrivateIp_Bracketed()
    {
        Uri? uri = ConsulAddress.TryBuildAgentUri(Base, Facts(ip: "fd00::1"), out _);

        Assert.Equal("http://[fd00::1]:8500/", uri!.ToString());
    }

    [Theory]
    [InlineData("10.0.1.23/v1/kv/secret")]
    [InlineData("10.0.1.23?x=1")]
    [InlineData("10.0.1.23#frag")]
    [InlineData("user:pw@10.0.1.23")]
    [InlineData("evil.example")]
    [InlineData("10.0.1.23 ")]
    [InlineData("10.0.1.23\n")]
    [InlineData("10.0.1.23:80")]
    [InlineData("1")]
    [InlineData("0x7f.1")]
    [InlineData("300.1.1.1")]
    [InlineData("10.0.1.23%25eth0")]
    [InlineData("")]
    [InlineData(null)]
    public void TryBuildAgentUri_HostilePrivateIp_Rejected(string? ip)
    {
        Uri? uri = ConsulAddress.TryBuildAgentUri(Base, Facts(ip: ip), out string? error);

        Assert.Null(uri);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("a b.internal")]
    [InlineData("host/path")]
    [InlineData("host?q")]
    [InlineData("user@host")]
    [InlineData("host:99")]
    [InlineData("-bad.internal")]
    [InlineData("host..internal")]
    [InlineData("h\u0131st.internal")]
    public void TryBuildAgentUri_HostilePrivateDns_Rejected(string dns)
    {
        GroupConfig config = Base with { ConsulAddress = "{private_dns}:{port}" };

        Assert.Null(ConsulAddress.TryBuildAgentUri(config, Facts(dns: dns), out string? error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("{private_ip}:{port}/v1/agent/leave")]
    [InlineData("{private_ip}:{port}?dc=x")]
    [InlineData("{private_ip}:{port}#x")]
    [InlineData("admin:pw@{private_ip}:{port}")]
    [InlineData("http://{private_ip}:{port}")]
    [InlineData("{private_ip}:{port}:{port}")]
    [InlineData("{instance_id}:{port}")]
    [InlineData("{detail}")]
    [InlineData("{private_ip")]
    [InlineData("private_ip}")]
    [InlineData("{private_ip}:port")]
    [InlineData("{private_ip}:0")]
    [InlineData("{private_ip}:65536")]
    [InlineData("{private_ip}:+80")]
    [InlineData("[{private_ip}]:{port}")]
    [InlineData("{private_ip}\\@evil:{port}")]
    public void TryBuildAgentUri_HostileTemplate_Rejected(string template)
    {
        Assert.Null(ConsulAddress.TryBuildAgentUri(Base with { ConsulAddress = template }, Facts(), out string? error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("javascript")]
    [InlineData("ftp")]
    [InlineData("")]
    public void TryBuildAgentUri_UnknownScheme_Rejected(string scheme)
    {
        Assert.Null(ConsulAddress.TryBuildAgentUri(Base with { ConsulScheme = scheme }, Facts(), out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(70000)]
    public void TryBuildAgentUri_PortOutOfRange_Rejected(int port)
    {
        Assert.Null(ConsulAddress.TryBuildAgentUri(Base with { ConsulPort = port }, Facts(), out _));
    }

    [Fact]
    public void TryBuildAgentUri_AnyPrivateIpString_EitherRejectedOrExactlyThatHost()
    {
        // Whatever EC2 (or a bug upstream) puts in the facts, the result never carries a path, query or user info.
        Gen.String.Sample(ip =>
        {
            Uri? uri = ConsulAddress.TryBuildAgentUri(Base, Facts(ip: ip), out _);
            return uri is null
                || (uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.UserInfo.Length == 0 && uri.Port == 8500
                    && uri.Host.Trim('[', ']') == ip);
        });
    }

    [Theory]
    [InlineData("consul.internal", "https", "https://consul.internal:8500/")]
    [InlineData("consul.internal:8501", "http", "http://consul.internal:8501/")]
    [InlineData("https://consul.internal:8501/", "http", "https://consul.internal:8501/")]
    [InlineData("http://10.0.0.10", "https", "http://10.0.0.10:8500/")]
    public void TryBuildServerUri_Forms_Accepted(string address, string scheme, string expected)
    {
        Uri? uri = ConsulAddress.TryBuildServerUri(Base with { ConsulServerAddress = address, ConsulScheme = scheme }, out string? error);

        Assert.Null(error);
        Assert.Equal(expected, uri!.ToString());
    }

    [Theory]
    [InlineData("https://consul.internal/v1/")]
    [InlineData("consul.internal/x")]
    [InlineData("u:p@consul.internal")]
    [InlineData("file://consul.internal")]
    [InlineData("consul.internal:8500?x")]
    public void TryBuildServerUri_Hostile_Rejected(string address)
    {
        Assert.Null(ConsulAddress.TryBuildServerUri(Base with { ConsulServerAddress = address }, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void TryBuildServerUri_Unset_NullWithoutError()
    {
        Assert.Null(ConsulAddress.TryBuildServerUri(Base, out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("ip-10-1-2-3.ec2.internal", "ip-10-1-2-3")]
    [InlineData("ip-10-1-2-3", "ip-10-1-2-3")]
    [InlineData("bad name.internal", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ShortNodeName_PrivateDns_FirstLabel(string? dns, string? expected)
    {
        Assert.Equal(expected, ConsulAddress.ShortNodeName(dns));
    }
}
