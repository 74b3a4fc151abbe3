#!/usr/bin/env python3
"""Cold start of the Lambda bootstrap: process start to first Runtime API request and to first response.

For each run: a loopback HTTP server stands in for the Lambda Runtime API, the bootstrap starts with
AWS_LAMBDA_RUNTIME_API pointing at it, and two clocks stop:
  init     the first request has arrived (GET /2018-06-01/runtime/invocation/next, headers complete);
  response the bootstrap has posted its answer to that invocation (POST .../invocation/{id}/response, body read).
The invocation served is an EC2 Spot Instance Interruption Warning for an instance of an Auto Scaling group that has
no MaxGroup config, so the real dispatcher answers NoOp "group is not managed" after its real AWS calls (ledger
GetItem, DescribeInstances, config from S3 and group tags, the queue check). AWS is moto, started here on a free
loopback port (or the endpoint given with --endpoint) and seeded with boto3. Every response is checked.
With --init-only no moto is started and nothing is served: only the init clock (the original measurement).

Usage: coldstart.py [--runs 10] [--json FILE] [--init-only] LABEL=COMMAND [LABEL=COMMAND ...]
(COMMAND is split on spaces.) Each variant gets one uncounted warm-up run (page cache, moto's code paths).
"""
import argparse
import datetime
import http.server
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

REGION = "us-east-1"
LEDGER_TABLE = "maxgroup-bench-ledger"
CONFIG_BUCKET = "maxgroup-bench-config"
GROUP = "bench-unmanaged"
NEXT_PATH = "/2018-06-01/runtime/invocation/next"
INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """moto_server on a free loopback port (python3 -m moto.server), stopped on exit."""

    def __init__(self, endpoint=None, server=None):
        """server: a moto_server script to run instead of moto's own (bench/moto_bench.py); None: python3 -m moto.server."""
        self.process = None
        if endpoint:
            self.endpoint = endpoint.rstrip("/")
        else:
            port = free_port()
            self.endpoint = "http://127.0.0.1:%d" % port
            command = [sys.executable, server] if server else [sys.executable, "-m", "moto.server"]
            self.process = subprocess.Popen(
                command + ["-H", "127.0.0.1", "-p", str(port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/data.json", timeout=2):
                    return
            except OSError:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError("moto exited with code %d (pip install 'moto[server]==5.2.1')" % self.process.returncode)
                if time.monotonic() > deadline:
                    raise RuntimeError("moto at %s did not answer within 60 s" % self.endpoint)
                time.sleep(0.1)

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()


def seed(endpoint):
    """What the stack provides (ledger table, config bucket) plus one group with no MaxGroup config; returns an instance id."""
    import boto3  # moto depends on boto3, so it is there wherever moto is

    def client(service):
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    dynamodb = client("dynamodb")
    # Same definition as src/MaxGroup.Aws/Ledger/LedgerTable.cs: partition key instance_id, TTL expires_at.
    if LEDGER_TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(TableName=LEDGER_TABLE, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "instance_id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "instance_id", "KeyType": "HASH"}])
        dynamodb.update_time_to_live(TableName=LEDGER_TABLE,
                                     TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True})
    s3 = client("s3")
    s3.create_bucket(Bucket=CONFIG_BUCKET)  # empty: no groups/<name>.json, no service_config.json
    autoscaling = client("autoscaling")
    if not autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"]:
        client("ec2").create_launch_template(LaunchTemplateName="lt-bench",
                                             LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})
        autoscaling.create_auto_scaling_group(AutoScalingGroupName=GROUP, MinSize=1, MaxSize=1, DesiredCapacity=1,
                                              LaunchTemplate={"LaunchTemplateName": "lt-bench", "Version": "$Default"},
                                              AvailabilityZones=["us-east-1a"])
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    return group["Instances"][0]["InstanceId"]


def warning(instance_id):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "EC2 Spot Instance Interruption Warning",
        "source": "aws.ec2", "account": "123456789012", "time": now, "region": REGION,
        "resources": ["arn:aws:ec2:us-east-1a:instance/" + instance_id],
        "detail": {"instance-id": instance_id, "instance-action": "terminate"},
    }).encode()


class RuntimeApi(http.server.ThreadingHTTPServer):
    """One invocation of the Lambda Runtime API: serves `event` on the first /next, records the clocks."""

    daemon_threads = True

    def __init__(self, event):
        super().__init__(("127.0.0.1", 0), RuntimeApiHandler)
        self.event = event
        self.request_id = str(uuid.uuid4())
        self.first_request = None
        self.first_response = None
        self.answer = None
        self.served = False
        self.lock = threading.Lock()
        self.requested = threading.Event()
        self.done = threading.Event()
        self.stop = threading.Event()

    def handle_error(self, request, client_address):
        # The bootstrap is killed at the end of every run, mid-connection: a reset then is expected, not news.
        pass


class RuntimeApiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the bootstrap's HttpClient keeps the connection alive

    def log_message(self, format, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size + 2)[:size]
                if size == 0:
                    return body
                body += chunk
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        api = self.server
        now = time.perf_counter()
        if not self.path.startswith(NEXT_PATH):
            self.reply(404, b'{"errorType":"NotFound"}')
            return
        with api.lock:
            first = not api.served
            api.served = True
            if api.first_request is None:
                api.first_request = now
                api.requested.set()
        if not first:
            # The bootstrap asks for the next invocation after answering: hold it until the run is over.
            api.stop.wait(120)
            self.close_connection = True
            return
        deadline_ms = int(time.time() * 1000) + 60000
        self.reply(200, api.event, [
            ("Lambda-Runtime-Aws-Request-Id", api.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:maxgroup-bench"),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
        ])

    def do_POST(self):
        api = self.server
        body = self.read_body()
        now = time.perf_counter()
        match = INVOCATION.match(self.path)
        if match and match.group(1) == api.request_id:
            api.first_response = now
            api.answer = (match.group(2), body)
        else:
            api.answer = ("unexpected POST " + self.path, body)  # e.g. /runtime/init/error
        self.reply(202, b'{"status":"OK"}')
        api.done.set()
        api.requested.set()


def one_run(command, timeout_s, event, env_extra, init_only):
    api = RuntimeApi(event or b"{}")
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    env = dict(os.environ)
    env.update(env_extra)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % api.server_address[1],
        "_HANDLER": "dispatcher",
        "AWS_LAMBDA_FUNCTION_NAME": "maxgroup-bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_REGION": REGION,
    })
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # The clocks are read inside the server's handlers; this loop only waits, so its slices add nothing.
        awaited = api.requested if init_only else api.done
        limit = time.monotonic() + timeout_s
        while not awaited.wait(0.05) and time.monotonic() < limit and process.poll() is None:
            pass
        if api.answer is not None and api.answer[0] != "response":
            raise RuntimeError("the bootstrap answered %s: %s" % (api.answer[0], api.answer[1].decode("utf-8", "replace")[:500]))
        if api.first_request is None:
            code = process.poll()
            raise RuntimeError("no Runtime API request: " + ("the command exited with code %d" % code if code is not None else "none within %.0f s" % timeout_s))
        init_ms = (api.first_request - started) * 1000
        if init_only:
            return init_ms, None
        if not api.done.is_set():
            raise RuntimeError("no response within %.0f s (exit code %s)" % (timeout_s, process.poll()))
        body = api.answer[1]
        answer = json.loads(body)
        if answer.get("status") != "NoOp" or "not managed" not in (answer.get("reason") or ""):
            raise RuntimeError("expected NoOp 'group is not managed', got: %s" % body.decode("utf-8", "replace")[:500])
        return init_ms, (api.first_response - started) * 1000
    finally:
        process.kill()
        _, stderr = process.communicate()
        api.stop.set()
        api.shutdown()
        api.server_close()
        if api.first_request is None and stderr:
            sys.stderr.write(stderr.decode("utf-8", "replace")[-2000:])


def size_of(path):
    if os.path.isfile(path):
        return os.path.getsize(path), ", one file"
    files = [os.path.join(d, f) for d, _, names in os.walk(path) for f in names]
    return sum(os.path.getsize(f) for f in files), " in %d files + the shared .NET runtime" % len(files)


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": [round(s, 2) for s in samples]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--init-only", action="store_true", help="first request only: no moto, nothing served")
    parser.add_argument("--endpoint", help="a running moto instead of starting one")
    parser.add_argument("--json", help="also write the figures to this file (bench/summary.py reads it)")
    parser.add_argument("--size", action="append", default=[], metavar="LABEL=PATH",
                        help="record the size of a variant's file, or of every file under a directory")
    parser.add_argument("variants", nargs="+", metavar="LABEL=COMMAND")
    args = parser.parse_args()
    sizes = dict(s.partition("=")[::2] for s in args.size)

    moto = None
    event = None
    env_extra = {}
    try:
        if not args.init_only:
            moto = Moto(args.endpoint)
            instance_id = seed(moto.endpoint)
            event = warning(instance_id)
            env_extra = {
                "AWS_ENDPOINT_URL": moto.endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "MAXGROUP_CONFIG_BUCKET": CONFIG_BUCKET,
                "MAXGROUP_LEDGER_TABLE": LEDGER_TABLE,
                "POWERTOOLS_SERVICE_NAME": "maxgroup-bench",
                "POWERTOOLS_LOG_LEVEL": "Warning",
            }
            print("serving a Spot warning for %s of group %s (no MaxGroup config) from moto at %s"
                  % (instance_id, GROUP, moto.endpoint))

        print("process start to first Runtime API request (init)%s, %d runs each (ms)"
              % ("" if args.init_only else " and to the first /response", args.runs))
        header = "%-6s %8s %8s %8s" % ("build", "init", "min", "max")
        if not args.init_only:
            header += "   %8s %8s %8s" % ("response", "min", "max")
        print(header)
        results = {"runs": args.runs, "init_only": args.init_only, "variants": {}}
        for variant in args.variants:
            label, _, command = variant.partition("=")
            one_run(command.split(), args.timeout, event, env_extra, args.init_only)  # warm-up, not counted
            pairs = [one_run(command.split(), args.timeout, event, env_extra, args.init_only) for _ in range(args.runs)]
            init = summary([p[0] for p in pairs])
            line = "%-6s %8.1f %8.1f %8.1f" % (label, init["median"], init["min"], init["max"])
            entry = {"command": command, "init_ms": init}
            if label in sizes:
                entry["size_bytes"], entry["size_note"] = size_of(sizes[label])
            if not args.init_only:
                response = summary([p[1] for p in pairs])
                line += "   %8.1f %8.1f %8.1f" % (response["median"], response["min"], response["max"])
                entry["response_ms"] = response
            results["variants"][label] = entry
            print(line)
            sys.stdout.flush()
        labels = list(results["variants"])
        if len(labels) == 2:
            a, b = (results["variants"][x] for x in labels)
            ratio = {"init": b["init_ms"]["median"] / a["init_ms"]["median"]}
            text = "%s/%s ratio of medians, this run: init %.1fx" % (labels[1], labels[0], ratio["init"])
            if "response_ms" in a:
                ratio["response"] = b["response_ms"]["median"] / a["response_ms"]["median"]
                text += ", first response %.1fx" % ratio["response"]
            results["ratio"] = ratio
            print(text)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
    finally:
        if moto is not None:
            moto.stop()


if __name__ == "__main__":
    main()
