#!/usr/bin/env python3
"""Routes sample events through the template's EventBridge rule patterns with moto's real pattern matcher.

Each AWS::Events::Rule with an EventPattern in the transformed template becomes a rule on moto's default bus
(always ENABLED here: this checks the pattern, the template's State is checked elsewhere) with one SQS queue
as its target. Every *.json event in --events is then put, one at a time, and the queues are drained, so each
event is attributed exactly to the rules that matched it.

Usage: check_patterns.py --endpoint http://127.0.0.1:PORT --template transformed.json --events DIR
Prints one JSON object: rules (logicalId -> pattern) and routes (event file name -> sorted rule logical ids).
"""

import argparse
import json
import os
import sys

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402


def pattern_rules(template):
    for logical_id, resource in sorted(template["Resources"].items()):
        # A rule under a Condition (the notification rule) does not exist with the default parameters, and its pattern
        # may still hold an Fn::If: it is checked where its parameters are set (NotificationTemplateTests).
        if resource["Type"] == "AWS::Events::Rule" and "EventPattern" in resource.get("Properties", {}) and "Condition" not in resource:
            yield logical_id, resource["Properties"]["EventPattern"]


def drain(sqs, queue_url):
    """Number of messages the queue held; deletes them so the next event starts from empty queues."""
    count = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        batch = messages.get("Messages", [])
        if not batch:
            return count
        count += len(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--events", required=True)
    args = parser.parse_args(argv)

    with open(args.template, encoding="utf-8") as handle:
        template = json.load(handle)

    session = boto3.session.Session(region_name=os.environ["AWS_DEFAULT_REGION"])
    events = session.client("events", endpoint_url=args.endpoint)
    sqs = session.client("sqs", endpoint_url=args.endpoint)

    rules = dict(pattern_rules(template))
    if not rules:
        print("no AWS::Events::Rule with an EventPattern in the template", file=sys.stderr)
        return 1

    queues = {}
    for logical_id, pattern in rules.items():
        queue_url = sqs.create_queue(QueueName=f"pattern-{logical_id}"[:80])["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=logical_id[:64], EventPattern=json.dumps(pattern), State="ENABLED")
        events.put_targets(Rule=logical_id[:64], Targets=[{"Id": "queue", "Arn": queue_arn}])
        queues[logical_id] = queue_url

    routes = {}
    for name in sorted(os.listdir(args.events)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(args.events, name), encoding="utf-8") as handle:
            event = json.load(handle)
        entry = {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event.get("detail", {})),
            "Resources": event.get("resources", []),
        }
        result = events.put_events(Entries=[entry])
        if result.get("FailedEntryCount"):
            print(f"PutEvents rejected {name}: {result['Entries']}", file=sys.stderr)
            return 1
        routes[name] = sorted(logical_id for logical_id, url in queues.items() if drain(sqs, url) > 0)

    print(json.dumps({"rules": rules, "routes": routes}, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
