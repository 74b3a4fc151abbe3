namespace MaxGroup.Aws;

/// <summary>
/// One AWS service as the SDKs name it: the suffix of its `AWS_ENDPOINT_URL_&lt;SERVICE&gt;` variable (the service id
/// upper-cased, spaces as underscores), its SigV4 signing name and its endpoint prefix.
/// </summary>
public sealed record AwsService(string Name, string EndpointVariableSuffix, string SigningName, string EndpointPrefix)
{
    public static readonly AwsService Ec2 = new("EC2", "EC2", "ec2", "ec2");
    public static readonly AwsService S3 = new("S3", "S3", "s3", "s3");
    public static readonly AwsService DynamoDb = new("DynamoDB", "DYNAMODB", "dynamodb", "dynamodb");
    public static readonly AwsService Sts = new("STS", "STS", "sts", "sts");
    public static readonly AwsService Ssm = new("SSM", "SSM", "ssm", "ssm");

    // Service id "Auto Scaling": the space becomes an underscore in the variable name.
    public static readonly AwsService AutoScaling = new("Auto Scaling", "AUTO_SCALING", "autoscaling", "autoscaling");
    public static readonly AwsService Lambda = new("Lambda", "LAMBDA", "lambda", "lambda");
    public static readonly AwsService Eks = new("EKS", "EKS", "eks", "eks");

    // Service id "EventBridge" (the hand-over events); signing name and endpoint prefix "events".
    public static readonly AwsService EventBridge = new("EventBridge", "EVENTBRIDGE", "events", "events");
    // SQS through the signed client (JSON 1.0 protocol): where `maxgroup demo` routes the hand-over events to show them.
    public static readonly AwsService Sqs = new("SQS", "SQS", "sqs", "sqs");
    // The traffic step: target groups (API 2015-12-01) and Classic Load Balancers (2012-06-01) share a signing name.
    public static readonly AwsService ElasticLoadBalancingV2 = new("Elastic Load Balancing v2", "ELASTIC_LOAD_BALANCING_V2", "elasticloadbalancing", "elasticloadbalancing");
    public static readonly AwsService ElasticLoadBalancing = new("Elastic Load Balancing", "ELASTIC_LOAD_BALANCING", "elasticloadbalancing", "elasticloadbalancing");

    /// <summary>The service-specific override variable, e.g. AWS_ENDPOINT_URL_AUTO_SCALING.</summary>
    public string EndpointVariable => AwsEnvironment.GlobalEndpointVariable + "_" + EndpointVariableSuffix;
}
