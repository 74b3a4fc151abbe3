namespace MaxGroup.Core.Tests.Configuration;

public class KubeconfigReaderTests
{
    /// <summary>The shape `aws eks update-kubeconfig --name prod-eks` writes (CA shortened).</summary>
    public const string UpdateKubeconfigYaml = """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
            server: https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com
          name: arn:aws:eks:us-east-1:111111111111:cluster/prod-eks
        contexts:
        - context:
            cluster: arn:aws:eks:us-east-1:111111111111:cluster/prod-eks
            user: arn:aws:eks:us-east-1:111111111111:cluster/prod-eks
          name: arn:aws:eks:us-east-1:111111111111:cluster/prod-eks
        current-context: arn:aws:eks:us-east-1:111111111111:cluster/prod-eks
        kind: Config
        preferences: {}
        users:
        - name: arn:aws:eks:us-east-1:111111111111:cluster/prod-eks
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              args:
              - --region
              - us-east-1
              - eks
              - get-token
              - --cluster-name
              - prod-eks
              - --output
              - json
              command: aws
        """;

    [Fact]
    public void ClusterName_UpdateKubeconfigYaml_IsTheClusterOfTheArn()
    {
        Assert.Equal("prod-eks", KubeconfigReader.ClusterName(Encoding.UTF8.GetBytes(UpdateKubeconfigYaml), "cluster", out ConfigProblem? problem));
        Assert.Null(problem);
    }

    [Fact]
    public void ClusterName_JsonWithOnlyTheTokenArgument_IsTheArgument()
    {
        const string Json = """{"users": [{"name": "u", "user": {"exec": {"command": "aws", "args": ["eks", "get-token", "--cluster-name", "blue_1"]}}}]}""";

        Assert.Equal("blue_1", KubeconfigReader.ClusterName(Encoding.UTF8.GetBytes(Json), "cluster", out _));
    }

    [Fact]
    public void ClusterName_TwoClusters_IsNullWithAWarningNamingBoth()
    {
        string two = UpdateKubeconfigYaml + "\n# arn:aws:eks:us-east-1:111111111111:cluster/staging\n";

        Assert.Null(KubeconfigReader.ClusterName(Encoding.UTF8.GetBytes(two), "cluster", out ConfigProblem? problem));
        Assert.Contains("prod-eks, staging", problem!.Message, StringComparison.Ordinal);
        Assert.Equal(ConfigSeverity.Warning, problem.Severity);
    }

    [Fact]
    public void ClusterName_NoEksCluster_IsNullWithAWarning()
    {
        Assert.Null(KubeconfigReader.ClusterName("apiVersion: v1\nclusters: []\n"u8.ToArray(), "cluster", out ConfigProblem? problem));
        Assert.Contains("names no EKS cluster", problem!.Message, StringComparison.Ordinal);
    }
}
