#!/usr/bin/env python3
"""Deploys a transformed template into a moto that enforces IAM and gives each Lambda function an IAM user
carrying its role's inline policy, for the run-time IAM drill (test/.../Security/IamRuntimeDrillTests.cs).

Usage: iam_drill_moto.py --endpoint http://127.0.0.1:PORT --template transformed.json [--stack-name maxgroup]
                         [--parameter Key=Value ...] [--drop Function:Sid ...] [--remove-action Function:action ...]
                         [--exact Function ...]

The emulator must be freshly reset and started with INITIAL_NO_AUTH_ACTION_COUNT (any value: the count is set
again here). Steps:
1. POST /moto-api/reset-auth 3: exactly the next three requests are not authenticated. They create an
   administrator (CreateUser, PutUserPolicy with Allow * on *, CreateAccessKey); every later request, this
   tool's and the test's, is signed and authorized.
2. The stack is created with the administrator's keys (placeholder code as deploy_moto.py does) and awaited.
3. Each function's role (its Role: Fn::GetAtt) is read back from IAM: ListRolePolicies, GetRolePolicy. moto
   5.2.1 stores the inline policies CloudFormation created as a Python repr (not JSON), with a Fn::If branch that
   resolved to AWS::NoValue left as None: parsed with ast.literal_eval, the None entries removed as CloudFormation
   removes them. This is the policy as deployed, ARNs resolved.
4. --drop removes the statement with that Sid; --remove-action removes that action from every statement (a
   statement left without actions goes): the negative drill.
5. moto 5.2.1 authorizes a request of EC2, Auto Scaling, DynamoDB, Lambda, Logs, SSM, KMS and EKS against the
   resource "*" (only S3, SQS, IAM and STS name the resource), so a statement with a resource ARN would never
   match there. Such statements get Resource "*" (listed in "widened"; --exact leaves a function's policy as
   deployed, to measure this); statements of S3, SQS, IAM and STS keep their resources. Conditions are kept as
   deployed (moto does not evaluate them: docs/security.md).
   moto names two actions differently from IAM, and the user gets moto's name beside IAM's (listed in
   "translated"): Lambda's Invoke is authorized as lambda:Invoke (IAM: lambda:InvokeFunction); TransactWriteItems
   as dynamodb:TransactWriteItems, which IAM does not have (AWS authorizes each item of a transaction under
   PutItem, UpdateItem, DeleteItem or ConditionCheckItem; the ledger's transactions hold Put and Update items only,
   DynamoDbLedger, so a statement granting both dynamodb:PutItem and dynamodb:UpdateItem gets it; the drill's test
   reads the items of every transaction sent and checks their actions against the deployed role).
6. One IAM user per function, with that policy and an access key.
Prints one JSON object: stackStatus, statusReason, admin (keys), outputs, physicalIds (logical id -> physical
id), functions (logical id -> roleName, policyName, deployed, given, widened, translated, accessKeyId,
secretAccessKey).
Exit code 0 when the stack reached CREATE_COMPLETE and every function has a user.
"""

import argparse
import ast
import copy
import json
import os
import sys
import time
import urllib.request

# deploy_moto.py is imported from beside this file; leave no __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402

from deploy_moto import code_locations, placeholder_zip  # noqa: E402

REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
ADMIN = "maxgroup-drill-admin"

# Services whose requests moto 5.2.1 authorizes against a named resource; all others against "*".
SERVICES_WITH_RESOURCES = {"s3", "sqs", "iam", "sts"}

# moto's action name -> the IAM actions a statement must grant (all of them) for AWS to allow that request.
MOTO_ACTION_NAMES = {
    "lambda:Invoke": {"lambda:InvokeFunction"},
    # The ledger's transactions hold Put and Update items only.
    "dynamodb:TransactWriteItems": {"dynamodb:PutItem", "dynamodb:UpdateItem"},
}


def post(url, body):
    # text/plain: with a form content type Flask would move the body out of request.data, where moto reads it.
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def client(service, endpoint, keys):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
    )


def create_admin(endpoint):
    post(f"{endpoint}/moto-api/reset-auth", "3")
    iam = client("iam", endpoint, ("unauthenticated", "unauthenticated"))
    iam.create_user(UserName=ADMIN)
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=ADMIN, PolicyName="all", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=ADMIN)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def deploy(endpoint, admin, template, stack_name, parameters):
    s3 = client("s3", endpoint, admin)
    body = placeholder_zip()
    for bucket, key in set(code_locations(template)):
        try:
            s3.create_bucket(Bucket=bucket)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        s3.put_object(Bucket=bucket, Key=key, Body=body)

    cloudformation = client("cloudformation", endpoint, admin)
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (p.split("=", 1) for p in parameters)],
        Capabilities=["CAPABILITY_IAM"],
    )
    deadline = time.monotonic() + 120
    while True:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    physical = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for summary in page["StackResourceSummaries"]:
            if summary["LogicalResourceId"]:
                physical[summary["LogicalResourceId"]] = summary.get("PhysicalResourceId", "")
    return stack, physical


def parse_policy(document):
    """A policy document as moto returns it: JSON, a dict, or (CloudFormation-created) a Python repr."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            document = ast.literal_eval(document)
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    document["Statement"] = [s for s in statements if s is not None]
    return document


def actions_of(statement):
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def tailor(document, drops, removed_actions, exact=False):
    """The negative drill's change, then moto's resource model: see the module docstring, steps 4 and 5."""
    given = copy.deepcopy(document)
    statements = []
    for statement in given["Statement"]:
        if statement.get("Sid") in drops:
            continue
        actions = [a for a in actions_of(statement) if a not in removed_actions]
        if not actions:
            continue
        statement["Action"] = actions
        statements.append(statement)
    widened = []
    translated = []
    for statement in statements:
        for moto_action, iam_actions in MOTO_ACTION_NAMES.items():
            if iam_actions <= set(statement["Action"]):
                statement["Action"].append(moto_action)
                translated.append(f'{statement.get("Sid", "")}: {moto_action}')
        services = {action.split(":", 1)[0] for action in statement["Action"]}
        if not exact and not services & SERVICES_WITH_RESOURCES and statement.get("Resource") != "*":
            statement["Resource"] = "*"
            widened.append(statement.get("Sid", ""))
    given["Statement"] = statements
    return given, widened, translated


def by_function(items):
    result = {}
    for item in items:
        function, _, value = item.partition(":")
        result.setdefault(function, set()).add(value)
    return result


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--stack-name", default="maxgroup")
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--drop", action="append", default=[], metavar="FUNCTION:SID")
    parser.add_argument("--remove-action", action="append", default=[], metavar="FUNCTION:ACTION")
    parser.add_argument("--exact", action="append", default=[], metavar="FUNCTION")
    args = parser.parse_args(argv)

    with open(args.template, encoding="utf-8") as handle:
        template = json.load(handle)

    admin = create_admin(args.endpoint)
    stack, physical = deploy(args.endpoint, admin, template, args.stack_name, args.parameter)
    drops = by_function(args.drop)
    removals = by_function(args.remove_action)

    iam = client("iam", args.endpoint, admin)
    functions = {}
    for logical_id, resource in sorted(template["Resources"].items()):
        if resource["Type"] != "AWS::Lambda::Function" or logical_id not in physical:
            continue
        role_name = physical[resource["Properties"]["Role"]["Fn::GetAtt"][0]]
        policy_names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        if len(policy_names) != 1:
            raise SystemExit(f"{role_name} has inline policies {policy_names}; the drill expects exactly one")
        policy_name = policy_names[0]
        deployed = parse_policy(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
        given, widened, translated = tailor(
            deployed, drops.get(logical_id, set()), removals.get(logical_id, set()), logical_id in args.exact)
        user = f"{args.stack_name}-{logical_id}"
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName=policy_name, PolicyDocument=json.dumps(given))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        functions[logical_id] = {
            "roleName": role_name,
            "policyName": policy_name,
            "deployed": deployed,
            "given": given,
            "widened": widened,
            "translated": translated,
            "accessKeyId": key["AccessKeyId"],
            "secretAccessKey": key["SecretAccessKey"],
        }

    report = {
        "stackStatus": stack["StackStatus"],
        "statusReason": stack.get("StackStatusReason", ""),
        "admin": {"accessKeyId": admin[0], "secretAccessKey": admin[1]},
        "outputs": {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])},
        "physicalIds": physical,
        "functions": functions,
    }
    print(json.dumps(report, indent=2))
    return 0 if stack["StackStatus"] == "CREATE_COMPLETE" and functions else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
