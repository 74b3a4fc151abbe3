#!/usr/bin/env python3
"""Creates a stack from a transformed (plain CloudFormation) template in moto's CloudFormation.

The function code is a placeholder zip uploaded to the bucket the template's CodeUri placeholder names, since
moto's Lambda fetches the code when it creates a function.

Usage: deploy_moto.py --endpoint http://127.0.0.1:PORT --template transformed.json [--stack-name maxgroup]
                      [--parameter Key=Value ...]
Prints one JSON object: stackStatus, statusReason, resources (logicalId, type, status, physicalId),
templateResources (logicalId -> type), outputs. Exit code 0 when the stack reached CREATE_COMPLETE.
"""

import argparse
import io
import json
import os
import sys
import time
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

    report = {
        "stackStatus": stack["StackStatus"],
        "statusReason": stack.get("StackStatusReason", ""),
        "resources": sorted(resources, key=lambda item: item["logicalId"]),
        "templateResources": {name: value["Type"] for name, value in sorted(template["Resources"].items())},
        "outputs": {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])},
    }
    print(json.dumps(report, indent=2))
    return 0 if stack["StackStatus"] == "CREATE_COMPLETE" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
