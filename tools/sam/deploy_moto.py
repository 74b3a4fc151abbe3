#!/usr/bin/env python3
"""Creates a stack from a transformed (plain CloudFormation) template in moto's CloudFormation.

The function code is a placeholder zip uploaded to the bucket the template's CodeUri placeholder names, since
moto's Lambda fetches the code when it creates a function.

Usage: deploy_moto.py --endpoint http://127.0.0.1:PORT --template transformed.json [--stack-name maxgroup]
                      [--parameter Key=Value ...]
Prints one JSON object: stackStatus, statusReason, resources (logicalId, type, status, physicalId; moto lists
resource types it does not implement with an empty logical id, counted in unnamedResources), templateResources
(logicalId -> type), outputs, and what the created resources look like when read back through their own APIs:
functions, rules, tables, logGroups, queues, topics (with their subscriptions), dashboards (their bodies). Exit code 0 when the stack reached CREATE_COMPLETE.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import time
import urllib.request
import zipfile

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402


def code_locations(template):
    """(bucket, key) pairs of every Lambda function's code in the transformed template."""
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            code = resource["Properties"]["Code"]
            yield code["S3Bucket"], code["S3Key"]


def placeholder_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\necho placeholder\n")
    return buffer.getvalue()


@contextlib.contextmanager
def lambda_backend_that_cloudformation_used(endpoint):
    """moto quirk: with {"lambda": {"use_docker": false}} (what the test fixture sets so Invoke works without
    Docker) the Lambda API answers from moto's simple backend, while CloudFormation creates functions in the
    regular one, so GetFunctionConfiguration would not find them. Read them with the regular backend switched
    on, then restore the emulator's configuration."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/config") as response:
        original = json.load(response).get("lambda", {})

    def post(config):
        request = urllib.request.Request(
            f"{endpoint}/moto-api/config",
            data=json.dumps({"lambda": config}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request).close()

    switched = original.get("use_docker", True) is False
    if switched:
        post({**original, "use_docker": True})
    try:
        yield
    finally:
        if switched:
            post(original)


def sqs_attributes(session, endpoint, queue_url):
    sqs = session.client("sqs", endpoint_url=endpoint)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return {key: attributes.get(key) for key in ("QueueArn", "MessageRetentionPeriod", "SqsManagedSseEnabled")}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--stack-name", default="maxgroup")
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)

    with open(args.template, encoding="utf-8") as handle:
        template = json.load(handle)

    session = boto3.session.Session(region_name=os.environ["AWS_DEFAULT_REGION"])
    s3 = session.client("s3", endpoint_url=args.endpoint)
    cloudformation = session.client("cloudformation", endpoint_url=args.endpoint)

    body = placeholder_zip()
    for bucket, key in set(code_locations(template)):
        try:
            s3.create_bucket(Bucket=bucket)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        s3.put_object(Bucket=bucket, Key=key, Body=body)

    parameters = [
        {"ParameterKey": key, "ParameterValue": value}
        for key, value in (item.split("=", 1) for item in args.parameter)
    ]
    cloudformation.create_stack(
        StackName=args.stack_name,
        TemplateBody=json.dumps(template),
        Parameters=parameters,
        Capabilities=["CAPABILITY_IAM"],
    )

    deadline = time.monotonic() + 120
    while True:
        stack = cloudformation.describe_stacks(StackName=args.stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    resources = []
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=args.stack_name):
        for summary in page["StackResourceSummaries"]:
            resources.append({
                "logicalId": summary["LogicalResourceId"],
                "type": summary["ResourceType"],
                "status": summary["ResourceStatus"],
                "physicalId": summary.get("PhysicalResourceId", ""),
            })

    named = [item for item in resources if item["logicalId"]]
    physical = {item["logicalId"]: item for item in named}

    def of_type(resource_type):
        return [item for item in named if item["type"] == resource_type]

    lambda_client = session.client("lambda", endpoint_url=args.endpoint)
    functions = {}
    for item in of_type("AWS::Lambda::Function"):
        with lambda_backend_that_cloudformation_used(args.endpoint):
            config = lambda_client.get_function_configuration(FunctionName=item["physicalId"])
        functions[item["logicalId"]] = {
            "functionName": config["FunctionName"],
            "handler": config.get("Handler"),
            "runtime": config.get("Runtime"),
            "timeout": config.get("Timeout"),
            "memorySize": config.get("MemorySize"),
            "architectures": config.get("Architectures", []),
            "role": config.get("Role"),
            "environment": config.get("Environment", {}).get("Variables", {}),
            "vpcSubnetIds": config.get("VpcConfig", {}).get("SubnetIds", []),
        }

    events_client = session.client("events", endpoint_url=args.endpoint)
    rules = {}
    for item in of_type("AWS::Events::Rule"):
        rule = events_client.describe_rule(Name=item["physicalId"])
        targets = events_client.list_targets_by_rule(Rule=item["physicalId"])["Targets"]
        rules[item["logicalId"]] = {
            "state": rule.get("State"),
            "eventPattern": json.loads(rule["EventPattern"]) if rule.get("EventPattern") else None,
            "scheduleExpression": rule.get("ScheduleExpression"),
            "targets": [target["Arn"] for target in targets],
            "inputTransformers": [target.get("InputTransformer") for target in targets],
        }

    dynamodb = session.client("dynamodb", endpoint_url=args.endpoint)
    tables = {}
    for item in of_type("AWS::DynamoDB::Table"):
        table = dynamodb.describe_table(TableName=item["physicalId"])["Table"]
        tables[item["logicalId"]] = {
            "tableName": table["TableName"],
            "keySchema": {key["AttributeName"]: key["KeyType"] for key in table["KeySchema"]},
            "billingMode": table.get("BillingModeSummary", {}).get("BillingMode"),
        }

    logs = session.client("logs", endpoint_url=args.endpoint)
    log_groups = {}
    for item in of_type("AWS::Logs::LogGroup"):
        found = logs.describe_log_groups(logGroupNamePrefix=item["physicalId"])["logGroups"]
        match = next((group for group in found if group["logGroupName"] == item["physicalId"]), {})
        log_groups[item["logicalId"]] = {"name": item["physicalId"], "retentionInDays": match.get("retentionInDays")}

    queues = {}
    for item in of_type("AWS::SQS::Queue"):
        attributes = sqs_attributes(session, args.endpoint, item["physicalId"])
        queues[item["logicalId"]] = attributes

    sns = session.client("sns", endpoint_url=args.endpoint)
    topics = {}
    for item in of_type("AWS::SNS::Topic"):
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=item["physicalId"])["Subscriptions"]
        topics[item["logicalId"]] = {
            "topicArn": item["physicalId"],
            "subscriptions": [{"protocol": sub["Protocol"], "endpoint": sub["Endpoint"]} for sub in subscriptions],
        }

    cloudwatch = session.client("cloudwatch", endpoint_url=args.endpoint)
    dashboards = {}
    for item in of_type("AWS::CloudWatch::Dashboard"):
        dashboard = cloudwatch.get_dashboard(DashboardName=item["physicalId"])
        dashboards[item["logicalId"]] = {"name": dashboard["DashboardName"], "body": json.loads(dashboard["DashboardBody"])}

    report = {
        "stackStatus": stack["StackStatus"],
        "statusReason": stack.get("StackStatusReason", ""),
        "resources": sorted(named, key=lambda item: item["logicalId"]),
        "unnamedResources": len(resources) - len(named),
        "templateResources": {name: value["Type"] for name, value in sorted(template["Resources"].items())},
        "outputs": {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])},
        "functions": functions,
        "rules": rules,
        "tables": tables,
        "logGroups": log_groups,
        "queues": queues,
        "topics": topics,
        "dashboards": dashboards,
    }
    print(json.dumps(report, indent=2))
    return 0 if stack["StackStatus"] == "CREATE_COMPLETE" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
