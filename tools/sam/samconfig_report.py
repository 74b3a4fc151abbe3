#!/usr/bin/env python3
"""Reads samconfig.toml the way the sam CLI does (TOML) and prints its deploy and build defaults as JSON.

Usage: samconfig_report.py [--samconfig samconfig.toml]
Prints: stackName, capabilities, resolveS3, confirmChangeset, buildInSource, parallel, parameterOverrides
(name -> value, parsed from the `Key="value" ...` string the sam CLI accepts).
"""

import argparse
import json
import os
import shlex
import sys
import tomllib


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samconfig", default=os.path.join(here, "..", "..", "samconfig.toml"))
    args = parser.parse_args(argv)

    with open(args.samconfig, "rb") as handle:
        config = tomllib.load(handle)

    default = config.get("default", {})
    deploy = default.get("deploy", {}).get("parameters", {})
    build = default.get("build", {}).get("parameters", {})
    global_parameters = default.get("global", {}).get("parameters", {})
    overrides = {}
    for item in shlex.split(deploy.get("parameter_overrides", "")):
        name, _, value = item.partition("=")
        overrides[name] = value

    capabilities = deploy.get("capabilities", [])
    if isinstance(capabilities, str):
        capabilities = capabilities.split()

    print(json.dumps({
        "version": config.get("version"),
        "stackName": deploy.get("stack_name", global_parameters.get("stack_name")),
        "capabilities": capabilities,
        "resolveS3": deploy.get("resolve_s3"),
        "confirmChangeset": deploy.get("confirm_changeset"),
        "buildInSource": build.get("build_in_source"),
        "parallel": build.get("parallel"),
        "parameterOverrides": overrides,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
