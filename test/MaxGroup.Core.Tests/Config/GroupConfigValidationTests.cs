namespace MaxGroup.Core.Tests.Configuration;

public class GroupConfigValidationTests
{
    private const string Ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ4ekNDQVcyZ0F3SUJBZ0lVZmFrZQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";

    /// <summary>One row per rule: a per-group file, the path expected, a piece of the message, a piece of the hint, the severity.</summary>
    public static TheoryData<string, string, string, string, ConfigSeverity> Rules => new()
    {
        // Unknown keys, with "did you mean" for near misses.
        { """{"persistance_dev": "/dev/sdf"}""", "$.persistance_dev", "unknown key", "did you mean \"persistence_dev\"?", ConfigSeverity.Error },
        { """{"detach_delay_seconds": 20}""", "$.detach_delay_seconds", "unknown key", "did you mean \"detaching_delay_seconds\"?", ConfigSeverity.Error },
        { """{"Consul-Port": 8500}""", "$.Consul-Port", "unknown key", "did you mean \"consul_port\"?", ConfigSeverity.Error },
        { """{"colour": "blue"}""", "$.colour", "unknown key", "maxgroup-group.schema.json", ConfigSeverity.Error },
        { """{"alt0": "m5.large"}""", "$.alt0", "unknown key", "did you mean \"alt1\"?", ConfigSeverity.Error },
        { """{"enabled": true, "enabled": false}""", "$.enabled", "duplicate key", "keep one", ConfigSeverity.Error },

        // Wrong types.
        { """{"dry_run": "true"}""", "$.dry_run", "must be true or false, not the string \"true\"", "write true without quotes", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": 1}""", "$.k8s_node_drain_option", "must be true or false", "write true or false", ConfigSeverity.Error },
        { """{"detaching_delay_seconds": "20"}""", "$.detaching_delay_seconds", "must be a whole number", "write 20 without quotes", ConfigSeverity.Error },
        { """{"detaching_delay_seconds": 20.5}""", "$.detaching_delay_seconds", "must be a whole number, not the number 20.5", "between 0 and 119", ConfigSeverity.Error },
        { """{"persistence_dev": 5}""", "$.persistence_dev", "must be a string", "in quotes", ConfigSeverity.Error },
        { """{"enabled": null}""", "$.enabled", "not null", "remove the key to use the default", ConfigSeverity.Error },
        { """{"k8s_cluster_name": ""}""", "$.k8s_cluster_name", "must not be empty", "remove the key", ConfigSeverity.Error },
        { """{"consul_port": [8500]}""", "$.consul_port", "must be a port number, not an array", "8500", ConfigSeverity.Error },

        // Ranges: negative numbers, the 120 s window.
        { """{"preaction_detach_delay_seconds": -1}""", "$.preaction_detach_delay_seconds", "must not be negative", "between 0 and 86400", ConfigSeverity.Error },
        { """{"max_num_of_terminated_one_time": 0}""", "$.max_num_of_terminated_one_time", "0 is out of range", "between 1 and 100", ConfigSeverity.Error },
        { """{"detaching_delay_seconds": 120}""", "$.detaching_delay_seconds", "cannot fit before reclaim", "at most 90 s", ConfigSeverity.Error },
        { """{"dettaching_delay_seconds": 300}""", "$.dettaching_delay_seconds", "cannot fit before reclaim", "at most 90 s", ConfigSeverity.Error },
        { """{"detaching_delay_seconds": 100}""", "$.detaching_delay_seconds", "leaves only 20 s before reclaim", "at most 90 s", ConfigSeverity.Warning },
        { """{"consul_port": 8500, "sd_delay_detach_secs": 150}""", "$.sd_delay_detach_secs", "cannot fit before reclaim", "at most 90 s", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_delay_draining_secs": 119}""", "$.k8s_delay_draining_secs", "leaves only 1 s", "at most 90 s", ConfigSeverity.Warning },
        { """{"k8s_node_drain_option": true, "k8s_delay_draining_secs": 60, "k8s_node_drain_grace_second": 90}""", "$.k8s_node_drain_grace_second", "= 150 s runs past the reclaim", "at most 120 s", ConfigSeverity.Warning },
        { """{"k8s_node_drain_option": true, "k8s_node_drain_grace_second": 4000}""", "$.k8s_node_drain_grace_second", "out of range", "between 0 and 3600", ConfigSeverity.Error },

        // Ports.
        { """{"consul_port": 0}""", "$.consul_port", "0 is not a port number (1-65535)", "between 1 and 65535", ConfigSeverity.Error },
        { """{"consul_port": 70000}""", "$.consul_port", "70000 is not a port number", "between 1 and 65535", ConfigSeverity.Error },
        { """{"consul_port": "70000"}""", "$.consul_port", "70000 is not a port number", "between 1 and 65535", ConfigSeverity.Error },
        { """{"consul_port": "85OO"}""", "$.consul_port", "\"85OO\" is not a port number", "8500", ConfigSeverity.Error },
        { """{"consul_port": true}""", "$.consul_port", "must be a port number", "8500", ConfigSeverity.Error },

        // Device names.
        { """{"persistence_dev": "/dev/sdb"}""", "$.persistence_dev", "not an EBS data volume device name", "/dev/sdf to /dev/sdp", ConfigSeverity.Error },
        { """{"persistence_dev": "/dev/sdq"}""", "$.persistence_dev", "not an EBS data volume device name", "/dev/xvdb to /dev/xvdz", ConfigSeverity.Error },
        { """{"persistence_dev": "xvdf"}""", "$.persistence_dev", "not an EBS data volume device name", "/dev/sdf", ConfigSeverity.Error },
        { """{"persistence_dev": "/dev/sdf", "persistence_attach_as": "/dev/xvda"}""", "$.persistence_attach_as", "not an EBS data volume device name", "/dev/xvdb", ConfigSeverity.Error },

        // Conflicting keys.
        { """{"dettaching_delay_seconds": 20, "detaching_delay_seconds": 30}""", "$.detaching_delay_seconds", "conflicts with dettaching_delay_seconds (20 vs 30)", "keep only \"detaching_delay_seconds\"", ConfigSeverity.Error },
        { """{"dettaching_delay_seconds": 20, "detaching_delay_seconds": 20}""", "$.detaching_delay_seconds", "repeats dettaching_delay_seconds", "keep only", ConfigSeverity.Warning },
        { """{"persistence_dev": "/dev/xvdz"}""", "$.persistence_dev", "both /dev/xvdz", "e.g. /dev/xvdy", ConfigSeverity.Error },
        { """{"persistence_dev": "/dev/sdf", "persistence_attach_as": "/dev/sdf"}""", "$.persistence_attach_as", "both /dev/sdf", "/dev/xvdz", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_endpoint": "https://abc.eks.amazonaws.com"}""", "$.k8s_endpoint", "needs k8s_certificate_authority", "k8s_cluster_name", ConfigSeverity.Error },
        { $$"""{"k8s_node_drain_option": true, "k8s_certificate_authority": "{{Ca}}"}""", "$.k8s_certificate_authority", "ignored without k8s_endpoint", "DescribeCluster", ConfigSeverity.Warning },
        { """{"k8s_cluster_name": "prod"}""", "$.k8s_cluster_name", "ignored without k8s_node_drain_option: true", "remove this key", ConfigSeverity.Warning },
        { """{"k8s_node_after_termination": "delete"}""", "$.k8s_node_after_termination", "ignored without k8s_node_drain_option: true", "remove this key", ConfigSeverity.Warning },
        { """{"consul_datacenter": "dc1"}""", "$.consul_datacenter", "ignored without consul_port", "set consul_port", ConfigSeverity.Warning },
        { """{"persistence_cross_az": "wait"}""", "$.persistence_cross_az", "ignored without persistence_dev", "set persistence_dev", ConfigSeverity.Warning },
        { """{"persistence_dev": "/dev/sdf", "replacement_strategy": "detach"}""", "$.replacement_strategy", "successor's Availability Zone", "\"launch\"", ConfigSeverity.Warning },

        // Enums.
        { """{"replacement_strategy": "Launch"}""", "$.replacement_strategy", "is not one of \"auto\", \"detach\", \"launch\"", "did you mean \"launch\"?", ConfigSeverity.Error },
        { """{"persistence_dev": "/dev/sdf", "persistence_cross_az": "snap"}""", "$.persistence_cross_az", "\"snap\" is not one of", "\"snapshot\", \"wait\"", ConfigSeverity.Error },
        { """{"consul_port": 8500, "consul_scheme": "htps"}""", "$.consul_scheme", "\"htps\" is not one of", "did you mean \"http\"?", ConfigSeverity.Error },
        { """{"consul_port": 8500, "consul_scheme": "grpc"}""", "$.consul_scheme", "is not one of \"http\", \"https\"", "use one of", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_cluster_name": "c", "k8s_node_after_termination": "Taint"}""", "$.k8s_node_after_termination", "\"Taint\" is not one of \"taint\", \"delete\", \"none\"", "did you mean \"taint\"?", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_cluster_name": "c", "k8s_node_after_termination": "cordon"}""", "$.k8s_node_after_termination", "\"cordon\" is not one of", "use one of", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_cluster_name": "c", "k8s_node_after_termination": true}""", "$.k8s_node_after_termination", "must be", "in quotes", ConfigSeverity.Error },

        // Text formats.
        { """{"alt2": "M5 large"}""", "$.alt2", "not an EC2 instance type", "m5.large", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_endpoint": "http://abc", "k8s_certificate_authority": "x"}""", "$.k8s_endpoint", "not an https URL", "https://", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_cluster_name": "-bad name"}""", "$.k8s_cluster_name", "not an EKS cluster name", "letters, digits", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_cluster_name": "c", "k8s_certificate_authority": "not base64!"}""", "$.k8s_certificate_authority", "is not base64", "certificateAuthority.data", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_cluster_name": "c", "k8s_certificate_authority": "-----BEGIN CERTIFICATE-----"}""", "$.k8s_certificate_authority", "is a PEM, not base64", "base64 of the PEM", ConfigSeverity.Error },
        { """{"k8s_node_drain_option": true, "k8s_cluster_name": "c", "k8s_certificate_authority": "aGVsbG8="}""", "$.k8s_certificate_authority", "does not decode to a PEM", "unchanged", ConfigSeverity.Error },
        { """{"consul_port": 8500, "consul_address": "{private_ipp}:{port}"}""", "$.consul_address", "unknown placeholder {private_ipp}", "{private_ip}", ConfigSeverity.Error },
        { """{"consul_port": 8500, "consul_server_address": "ftp://consul"}""", "$.consul_server_address", "not an http(s) URL", "host:port", ConfigSeverity.Error },
        { """{"consul_port": 8500, "consul_server_address": "consul server"}""", "$.consul_server_address", "not host or host:port", "consul.internal:8500", ConfigSeverity.Error },
        { """{"consul_port": 8500, "consul_datacenter": "dc 1"}""", "$.consul_datacenter", "not a Consul datacenter name", "letters", ConfigSeverity.Error },
        { """{"consul_port": 8500, "consul_token_parameter": "my token"}""", "$.consul_token_parameter", "not an SSM parameter name", "/maxgroup/consul-token", ConfigSeverity.Error },
        { $$"""{"consul_port": 8500, "consul_datacenter": "{{new string('a', 20000)}}"}""", "$.consul_datacenter", "is 20000 characters long", "at most 16384", ConfigSeverity.Error },

        // Structure and malformed JSON, with line and column.
        { "[1, 2]", "$", "must be an object", "detaching_delay_seconds", ConfigSeverity.Error },
        { "{\"enabled\": true,}", "$", "malformed JSON at line 1, column 18", "trailing commas", ConfigSeverity.Error },
        { "{\n  \"enabled\": true\n  \"dry_run\": false\n}", "$", "malformed JSON at line 3, column 3", "missing comma", ConfigSeverity.Error },
        { "{\"enabled\": tru}", "$", "malformed JSON at line 1, column 16: 'tru}' is an invalid JSON literal", "missing comma", ConfigSeverity.Error },
        { "{ // note\n}", "$", "malformed JSON at line 1, column 3", "comments", ConfigSeverity.Error },
        { "  \n ", "$", "the object is empty", "{}", ConfigSeverity.Error },
        { "{\"a\":" + string.Concat(Enumerable.Repeat("[", 20)) + string.Concat(Enumerable.Repeat("]", 20)) + "}", "$", "depth", "nest at most 8 levels", ConfigSeverity.Error },
        { "{\"$schema\": 1}", "$.$schema", "must be a string", "schema", ConfigSeverity.Error },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Validate_GroupFileBreakingARule_ReportsPathMessageAndHint(string json, string path, string message, string hint, ConfigSeverity severity)
    {
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json");

        ConfigProblem? match = problems.FirstOrDefault(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
        Assert.True(match is not null, $"no problem at {path} containing '{message}'; got:\n{string.Join('\n', problems)}");
        Assert.Contains(hint, match.Hint, StringComparison.Ordinal);
        Assert.Equal(severity, match.Severity);
    }

    public static TheoryData<string> ValidGroupFiles => new()
    {
        "{}",
        """{"$schema": "../maxgroup-group.schema.json", "enabled": false}""",
        """{"consul_port": "8500"}""",
        """{"consul_port": 8500, "consul_scheme": "https", "consul_address": "{private_dns}:{port}", "consul_token_parameter": "/maxgroup/consul-token", "consul_server_address": "https://consul.internal:8501", "consul_datacenter": "dc-1", "sd_delay_detach_secs": 30}""",
        """{"persistence_dev": "/dev/sdf", "persistence_attach_as": "/dev/xvdz", "persistence_cross_az": "wait", "replacement_strategy": "launch"}""",
        """{"persistence_dev": "/dev/xvdp"}""",
        """{"persistence_dev": "/dev/sdp", "persistence_attach_as": "/dev/xvdb"}""",
        """{"alt1": "m5.large", "alt2": "c6g.xlarge", "alt10": "u-6tb1.metal"}""",
        """{"detaching_delay_seconds": 90, "dettaching_delay_seconds": 90}""",
        $$"""{"k8s_node_drain_option": true, "k8s_delay_draining_secs": 30, "k8s_node_drain_grace_second": 60, "k8s_cluster_name": "prod", "k8s_endpoint": "https://ABC.gr7.us-east-1.eks.amazonaws.com", "k8s_certificate_authority": "{{Ca}}"}""",
        "\uFEFF{\"dry_run\": true}",
    };

    [Theory]
    [MemberData(nameof(ValidGroupFiles))]
    public void Validate_ValidGroupFile_HasNoErrors(string json)
    {
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json");

        Assert.DoesNotContain(problems, p => p.IsError);
    }

    [Fact]
    public void Validate_TokenInParameterName_DoesNotEchoTheToken()
    {
        const string Token = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(
            Encoding.UTF8.GetBytes($$"""{"consul_port": 8500, "consul_token_parameter": "{{Token}}"}"""), "web.json");

        ConfigProblem problem = Assert.Single(problems);
        Assert.Contains("looks like a Consul ACL token", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ObjectOverSizeLimit_IsRejectedBeforeParsing()
    {
        string json = "{\"k8s_cluster_name\": \"" + new string('a', ConfigLimits.MaxObjectBytes) + "\"}";

        ConfigProblem problem = Assert.Single(ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json"));

        Assert.Equal("$", problem.Path);
        Assert.Contains("larger than the 256 KiB limit", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOne()
    {
        const string Json = """{"persistance_dev": "/dev/sdf", "detaching_delay_seconds": -5, "consul_port": "x", "dry_run": "yes"}""";

        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(Json), "web.json");

        Assert.Equal(["$.consul_port", "$.detaching_delay_seconds", "$.dry_run", "$.persistance_dev"], problems.Select(p => p.Path).Order());
    }

    [Fact]
    public void Problem_ToString_IsPathProblemHint()
    {
        var problem = new ConfigProblem("$.groups.web.persistance_dev", "unknown key", "did you mean \"persistence_dev\"?");

        Assert.Equal("$.groups.web.persistance_dev: unknown key (did you mean \"persistence_dev\"?)", problem.ToString());
    }

    public static TheoryData<string, string, string, string> LegacyRules => new()
    {
        { """{"groups": {"web": {"persistance_dev": "/dev/sdf"}}}""", "$.groups.web.persistance_dev", "unknown key", "did you mean \"persistence_dev\"?" },
        { """{"groups": {"my asg": {"consul_port": "port"}}}""", "$.groups['my asg'].consul_port", "not a port number", "8500" },
        { """{"groups": [{"consul_port": 8500}]}""", "$.groups", "must be an object", "{ ... }" },
        { """{"groups": {"web": 5}}""", "$.groups.web", "must be an object of group settings, not a number", "detaching_delay_seconds" },
        { """{"system": [], "groups": {}}""", "$.system", "must be an object", "{ ... }" },
        { """{"global": {"preaction_snapshot_interval_minutes": "20"}, "groups": {}}""", "$.global.preaction_snapshot_interval_minutes", "whole number of minutes", "e.g. 20" },
        { """{"global": {"preaction_snapshot_interval_minutes": 10081}, "groups": {}}""", "$.global.preaction_snapshot_interval_minutes", "out of range", "between 0 and 10080" },
        { """{"global": {"interruption_evt_sqs": {"preaction_snapshot_interval_minutes": -5}}, "groups": {}}""", "$.global.interruption_evt_sqs.preaction_snapshot_interval_minutes", "must not be negative", "between 0 and 10080" },
        { """{"group": {"web": {}}, "groups": {}}""", "$.group", "unknown key, ignored", "did you mean \"groups\"?" },
        { """{"groups": {"web": {}, "web": {}}}""", "$.groups.web", "duplicate group", "merge" },
        { """{"groups": {"web": {"$schema": "x"}}}""", "$.groups.web.$schema", "unknown key", "schema.json" },
    };

    [Theory]
    [MemberData(nameof(LegacyRules))]
    public void Validate_LegacyFileBreakingARule_ReportsPathMessageAndHint(string json, string path, string message, string hint)
    {
        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "service_config.json");

        ConfigProblem? match = problems.FirstOrDefault(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
        Assert.True(match is not null, $"no problem at {path} containing '{message}'; got:\n{string.Join('\n', problems)}");
        Assert.Contains(hint, match.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseLegacyFile_UnknownDaemonSettings_AreWarningsWithoutTheirValuesAndOnlyTheIntervalIsRead()
    {
        const string Json = """{"system": {"log_level": "debug-7731"}, "global": {"sqs_url": "https://sqs/x-9913", "preaction_snapshot_interval_minutes": 20}, "groups": {"web": {}}}""";

        LegacyConfigDocument document = ConfigDocumentParser.ParseLegacyFile(Encoding.UTF8.GetBytes(Json), "s3://b/service_config.json");

        IEnumerable<ConfigProblem> problems = document.Problems.Concat(document.Global.Problems).ToList();
        Assert.Equal(["$.global.sqs_url", "$.system.log_level"], problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.Equal(ConfigSeverity.Warning, p.Severity));
        Assert.DoesNotContain(problems, p => p.ToString().Contains("7731", StringComparison.Ordinal) || p.ToString().Contains("9913", StringComparison.Ordinal));
        Assert.Equal(20, document.Global.Entries[GroupConfigKeys.PreactionSnapshotIntervalKey].Value.Integer);
        Assert.True(document.Groups.ContainsKey("web"));
    }
}
