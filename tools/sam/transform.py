#!/usr/bin/env python3
"""Turns template.yaml (AWS SAM) into plain CloudFormation JSON offline, the way `sam deploy` would.

No AWS account and no `sam` CLI are needed: samtranslator runs locally. Local CodeUri values are replaced by an
s3:// placeholder first (sam package would upload the build and do the same), and managed-policy names resolve to
nothing because the template attaches no managed policies (every role is written out in full).

Usage: transform.py [--template template.yaml] [--output out.json] [--code-uri s3://bucket/key]
                    [--parameter Key=Value ...]
Prints the CloudFormation JSON to stdout unless --output is given. Exit code 1 with the translator's message
when the template is invalid.
"""

import argparse
import json
import os
import sys

# samtranslator asks boto3 for the region (ARN partitions); a fixed one keeps the transform offline.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

DEFAULT_CODE_URI = "s3://maxgroup-artifacts/bootstrap.zip"


class NoManagedPolicies:
    """Policy loader for samtranslator: the template names no AWS managed policy, so the map is empty."""

    def load(self):
        return {}


def replace_local_code_uris(template, code_uri):
    """Points every function (and Globals) at the placeholder, as `sam package` points them at the upload."""
    globals_function = template.get("Globals", {}).get("Function", {})
    if "CodeUri" in globals_function:
        globals_function["CodeUri"] = code_uri
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            properties = resource.setdefault("Properties", {})
            code = properties.get("CodeUri")
            if code is None or (isinstance(code, str) and not code.startswith("s3://")):
                properties["CodeUri"] = code_uri
    return template


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--template", default=os.path.join(here, "..", "..", "template.yaml"))
    parser.add_argument("--output")
    parser.add_argument("--code-uri", default=DEFAULT_CODE_URI)
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)

    with open(args.template, encoding="utf-8") as handle:
        template = yaml_parse(handle.read())

    replace_local_code_uris(template, args.code_uri)
    parameters = dict(item.split("=", 1) for item in args.parameter)
    try:
        result = transform(template, parameters, NoManagedPolicies())
    except InvalidDocumentException as error:
        for cause in error.causes:
            print(f"transform error: {cause.message}", file=sys.stderr)
        return 1

    text = json.dumps(result, indent=2, sort_keys=True)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
