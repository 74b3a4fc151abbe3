using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Steps.Consul;

/// <summary>
/// Builds the base URIs of the instance's Consul agent and of the optional Consul server from the group config and
/// the instance's EC2 facts only. Every result is validated to be scheme://host[:port]/ with no path, query,
/// fragment or user info, so no value (hostile or mistaken) can redirect a request elsewhere on the host.
/// </summary>
public static partial class ConsulAddress
{
    /// <summary>Builds the agent's base URI from <see cref="GroupConfig.ConsulAddress"/>; null and an error when invalid.</summary>
    public static Uri? TryBuildAgentUri(GroupConfig config, InstanceFacts instance, out string? error)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(instance);
        if (config.ConsulPort is not int port || port is < 1 or > 65535)
        {
            error = "consul_port is not a port number (1-65535)";
            return null;
        }

        if (!TryScheme(config.ConsulScheme, out string scheme))
        {
            error = "consul_scheme must be http or https";
            return null;
        }

        string template = string.IsNullOrWhiteSpace(config.ConsulAddress) ? "{private_ip}:{port}" : config.ConsulAddress.Trim();
        var result = new StringBuilder();
        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if (c == '}')
            {
                error = "consul_address has an unmatched '}'";
                return null;
            }

            if (c != '{')
            {
                result.Append(c);
                i++;
                continue;
            }

            int close = template.IndexOf('}', i);
            if (close < 0)
            {
                error = "consul_address has an unmatched '{'";
                return null;
            }

            string name = template[(i + 1)..close];
            string? value;
            switch (name)
            {
                case "private_ip":
                    value = instance.PrivateIpAddress;
                    if (string.IsNullOrEmpty(value) || !IsIpAddress(value, out bool isV6))
                    {
                        error = "the instance has no valid private IP address for {private_ip}";
                        return null;
                    }

                    if (isV6)
                    {
                        value = "[" + value + "]";
                    }

                    break;
                case "private_dns":
                    value = instance.PrivateDnsName;
                    if (string.IsNullOrEmpty(value) || !IsDnsName(value))
                    {
                        error = "the instance has no valid private DNS name for {private_dns}";
                        return null;
                    }

                    break;
                case "port":
                    value = port.ToString(CultureInfo.InvariantCulture);
                    break;
                default:
                    error = "consul_address may only use {private_ip}, {private_dns} and {port}";
                    return null;
            }

            result.Append(value);
            i = close + 1;
        }

        return TryBuildHostPortUri(scheme, result.ToString(), port, out error);
    }

    /// <summary>
    /// Builds the server's base URI from <see cref="GroupConfig.ConsulServerAddress"/>: host[:port] (scheme from
    /// consul_scheme) or http(s)://host[:port]; the port defaults to consul_port. Null without error when unset.
    /// </summary>
    public static Uri? TryBuildServerUri(GroupConfig config, out string? error)
    {
        ArgumentNullException.ThrowIfNull(config);
        error = null;
        string? address = config.ConsulServerAddress?.Trim();
        if (string.IsNullOrEmpty(address))
        {
            return null;
        }

        string schemeText = config.ConsulScheme;
        int separator = address.IndexOf("://", StringComparison.Ordinal);
        if (separator >= 0)
        {
            schemeText = address[..separator];
            address = address[(separator + 3)..];
            // A single trailing slash is what people paste; anything more is a path and refused below.
            if (address.EndsWith('/'))
            {
                address = address[..^1];
            }
        }

        if (!TryScheme(schemeText, out string scheme))
        {
            error = "consul_server_address scheme must be http or https";
            return null;
        }

        int defaultPort = config.ConsulPort is int p and >= 1 and <= 65535 ? p : 8500;
        Uri? uri = TryBuildHostPortUri(scheme, address, defaultPort, out error);
        if (uri is null)
        {
            error = "consul_server_address: " + error;
        }

        return uri;
    }

    /// <summary>The first label of a private DNS name ("ip-10-0-0-1.ec2.internal" → "ip-10-0-0-1"): Consul's default node name on EC2.</summary>
    public static string? ShortNodeName(string? privateDnsName)
    {
        if (string.IsNullOrEmpty(privateDnsName) || !IsDnsName(privateDnsName))
        {
            return null;
        }

        int dot = privateDnsName.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? privateDnsName : privateDnsName[..dot];
    }

    private static bool TryScheme(string? text, out string scheme)
    {
        scheme = (text ?? "").Trim().ToLowerInvariant();
        return scheme is "http" or "https";
    }

    private static Uri? TryBuildHostPortUri(string scheme, string hostPort, int defaultPort, out string? error)
    {
        error = null;
        string host;
        string? portText = null;
        if (hostPort.StartsWith('['))
        {
            int end = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (end < 0)
            {
                error = "the address has an unclosed IPv6 bracket";
                return null;
            }

            host = hostPort[1..end];
            string rest = hostPort[(end + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = "the address must be host[:port]";
                    return null;
                }

                portText = rest[1..];
            }

            if (!IsIpAddress(host, out bool isV6) || !isV6)
            {
                error = "the bracketed host is not an IPv6 address";
                return null;
            }
        }
        else
        {
            int colon = hostPort.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                host = hostPort[..colon];
                portText = hostPort[(colon + 1)..];
            }
            else
            {
                host = hostPort;
            }

            if (!IsDnsName(host))
            {
                error = "the address must be host[:port] with a DNS name or IP address as host (no path, query or user info)";
                return null;
            }
        }

        int port = defaultPort;
        if (portText is not null)
        {
            if (portText.Length is 0 or > 5 || !PortDigits().IsMatch(portText)
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = "the address port must be a number 1-65535 (no path, query or user info)";
                return null;
            }
        }

        var uri = new UriBuilder(scheme, host, port, "/").Uri;
        // Belt and braces: the parsed URI must be exactly what was validated.
        if (uri.AbsolutePath != "/" || uri.Query.Length != 0 || uri.Fragment.Length != 0 || uri.UserInfo.Length != 0 || uri.Port != port)
        {
            error = "the address did not form a plain scheme://host:port/ URI";
            return null;
        }

        return uri;
    }

    private static bool IsIpAddress(string value, out bool isV6)
    {
        isV6 = false;
        // IPAddress.TryParse also accepts "1" or "0x7f.1"; require the canonical dotted quad or a colon form.
        if (Ipv4().IsMatch(value) && IPAddress.TryParse(value, out IPAddress? v4) && v4.AddressFamily == AddressFamily.InterNetwork)
        {
            return true;
        }

        if (Ipv6Chars().IsMatch(value) && IPAddress.TryParse(value, out IPAddress? v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
        {
            isV6 = true;
            return true;
        }

        return false;
    }

    private static bool IsDnsName(string value) => value.Length is > 0 and <= 253 && DnsName().IsMatch(value);

    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\z")]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"^[0-9A-Fa-f:.]{2,45}\z")]
    private static partial Regex Ipv6Chars();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z")]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^[0-9]+\z")]
    private static partial Regex PortDigits();
}
